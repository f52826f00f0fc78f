import type { Payload } from 'payload'

import { createArrayFromCommaDelineated } from 'payload'

import type { ResolvedPath } from './paths.js'

import { getCollectionIDType } from './scopeInfo.js'
import { isNullish, toInstant } from './sqlValues.js'

/**
 * Query value sanitation, after drizzle's `sanitizeQueryValue` (sqlite): the query value is
 * converted to what the column holds, so comparisons behave like SQLite's with column affinity.
 */

/** Marks a value that cannot be compared (e.g. `'abc'` for an id of type number): matches nothing. */
export const INVALID: unique symbol = Symbol('invalid query value')
export type Sanitized = typeof INVALID | unknown

/** How stored values are normalized before comparing (dates as instants). */
export const normalizeStored = (path: ResolvedPath, v: unknown): unknown => {
  if (path.kind === 'date' && !isNullish(v)) {
    return toInstant(v) ?? v
  }
  return v
}

const toNumber = (x: unknown): Sanitized => {
  if (typeof x === 'number') {
    return x
  }
  if (typeof x === 'boolean') {
    // db-sqlite binds it as the text 'true' / 'false', which no number equals; db-mongodb's
    // types never match either.
    return INVALID
  }
  if (typeof x === 'string') {
    // drizzle's `Number(value)`: '' and ' ' are 0, what is not a number is NULL.
    const n = Number(x)
    return Number.isNaN(n) ? null : n
  }
  return x
}

const toID = (x: unknown, idType: 'number' | 'text'): Sanitized => {
  if (idType === 'number') {
    const n = typeof x === 'number' ? x : Number(x)
    return Number.isNaN(n) ? INVALID : n
  }
  return String(x)
}

/** Candidate forms of one id value, one per target collection id type. */
export const relationCandidates = (payload: Payload, path: ResolvedPath, x: unknown): unknown[] => {
  const targets = path.relationTo ?? []
  const out: unknown[] = []
  for (const slug of targets) {
    const c = toID(x, getCollectionIDType(payload, slug))
    if (c !== INVALID && !out.includes(c)) {
      out.push(c)
    }
  }
  return out
}

/** Sanitizes one scalar query value for the path's leaf kind. `null` stays `null`. */
export const sanitizeScalar = (payload: Payload, path: ResolvedPath, x: unknown): Sanitized => {
  if (x === null || x === undefined) {
    return null
  }
  switch (path.kind) {
    case 'number':
      return toNumber(x)
    case 'checkbox':
      if (typeof x === 'string') {
        if (x.toLowerCase() === 'true') {
          return true
        }
        if (x.toLowerCase() === 'false') {
          return false
        }
      }
      // db-sqlite binds any other value as its column does: truthy 1, falsy 0 ('0' is true).
      return typeof x === 'object' ? x : Boolean(x)
    case 'date': {
      if (x === 'null' || x === '') {
        return null
      }
      const t = toInstant(x)
      return t === undefined ? INVALID : t
    }
    case 'text':
    case 'polyRelationTo':
      return typeof x === 'string' ? x : typeof x === 'number' ? String(x) : x
    case 'id':
      return toID(x, path.idType ?? 'text')
    case 'relationship':
    case 'polyValue': {
      if (x === 'null') {
        return null
      }
      if (typeof x === 'boolean') {
        return x
      }
      const candidates = relationCandidates(payload, path, x)
      return candidates.length ? candidates : INVALID
    }
    default:
      return x
  }
}

/** List operators (`in`, `not_in`, `all`): comma-delimited strings, single numbers; else INVALID. */
export const sanitizeList = (
  payload: Payload,
  path: ResolvedPath,
  x: unknown,
): typeof INVALID | unknown[] => {
  const sanitized = sanitizeListItems(payload, path, x)
  return sanitized === INVALID ? INVALID : sanitized.items
}

/**
 * A list's items as `sanitizeList` gives them, and how many were dropped (values the field
 * cannot hold: a `not_in` of only such values still leaves out the documents without a value).
 */
export const sanitizeListItems = (
  payload: Payload,
  path: ResolvedPath,
  x: unknown,
): { dropped: number; items: unknown[] } | typeof INVALID => {
  let list: unknown[]
  if (typeof x === 'string') {
    list = createArrayFromCommaDelineated(x)
    if (path.kind === 'number') {
      // A query string's list (REST `in=5,7`): read as db-sqlite reads it, by parseFloat
      // ('5abc' is 5, '0x10' is 0); a list given as an array is compared as given.
      list = list.map((el) => parseFloat(String(el)))
    }
  } else if (typeof x === 'number') {
    list = [x]
  } else if (Array.isArray(x)) {
    list = x
  } else {
    return INVALID
  }
  const items = list
    .map((el) => {
      // SQLite compares a numeric column with a non-numeric string as unequal (no NULL coercion here).
      if (path.kind === 'number' && typeof el === 'string') {
        const n = el.trim() === '' ? NaN : Number(el)
        return Number.isNaN(n) ? INVALID : n
      }
      if (path.kind === 'number' && typeof el === 'number' && Number.isNaN(el)) {
        return INVALID
      }
      if ((path.kind === 'relationship' || path.kind === 'polyValue') && el === 'null') {
        // Only a whole value 'null' means no relationship (db-sqlite); in a list it is an id.
        const candidates = relationCandidates(payload, path, el)
        return candidates.length ? candidates : INVALID
      }
      return sanitizeScalar(payload, path, el)
    })
    .filter((el) => el !== INVALID)
  return { dropped: list.length - items.length, items }
}

/** `exists`: only `true` / `'true'` mean true. */
export const sanitizeExists = (x: unknown): boolean => x === true || x === 'true'
