/**
 * SQLite-like scalar semantics used by the evaluator: NULL handling, ordering across types
 * (NULL < numbers < text), BINARY collation (UTF-8 byte order = code point order) and `LIKE`.
 */

import { isDate } from 'node:util/types'

import { compileLike, matchesLike, type LikePattern } from './likeMatcher.js'

export const isNullish = (v: unknown): v is null | undefined => v === null || v === undefined

/** Booleans are stored as integers by SQLite. */
const toSqlScalar = (v: unknown): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v)

/** Code point order, which is SQLite's BINARY collation on UTF-8 text. */
export const compareBinary = (a: string, b: string): number => {
  if (a === b) {
    return 0
  }
  const la = a.length
  const lb = b.length
  let i = 0
  let j = 0
  while (i < la && j < lb) {
    const ca = a.codePointAt(i) as number
    const cb = b.codePointAt(j) as number
    if (ca !== cb) {
      return ca < cb ? -1 : 1
    }
    i += ca > 0xffff ? 2 : 1
    j += cb > 0xffff ? 2 : 1
  }
  if (i < la) {
    return 1
  }
  if (j < lb) {
    return -1
  }
  return 0
}

const typeRank = (v: unknown): number => {
  if (isNullish(v)) {
    return 0
  }
  if (typeof v === 'number') {
    return 1
  }
  if (typeof v === 'string') {
    return 2
  }
  return 3
}

/** Total order like SQLite's: NULL < numbers < text < other (JSON objects compared as text). */
export const sqlCompare = (x: unknown, y: unknown): number => {
  const a = toSqlScalar(x)
  const b = toSqlScalar(y)
  const ra = typeRank(a)
  const rb = typeRank(b)
  if (ra !== rb) {
    return ra < rb ? -1 : 1
  }
  if (ra === 0) {
    return 0
  }
  if (ra === 1) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0
  }
  if (ra === 2) {
    return compareBinary(a as string, b as string)
  }
  return compareBinary(canonicalJSON(a), canonicalJSON(b))
}

/**
 * JSON with every object's keys in code point order. DynamoDB keeps a map's keys in an order of
 * its own, so a stored JSON value comes back with its keys moved: compared as written, it would
 * never equal the same value in a query (db-sqlite compares the text it kept as given, db-postgres
 * jsonb whatever the order).
 */
export const canonicalJSON = (v: unknown): string =>
  JSON.stringify(v, (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort(compareBinary)
            .map((key) => [key, (value as Record<string, unknown>)[key]]),
        )
      : value,
  )

/** SQL `=` between two non-null values of the same storage class. */
export const sqlEquals = (a: unknown, b: unknown): boolean => {
  if (isNullish(a) || isNullish(b)) {
    return false
  }
  return sqlCompare(a, b) === 0
}

/** The text SQLite uses when a value meets `LIKE` (numbers as text, JSON as compact JSON). */
export const sqlText = (v: unknown): string => {
  if (typeof v === 'string') {
    return v
  }
  if (typeof v === 'number') {
    return String(v)
  }
  if (typeof v === 'boolean') {
    return v ? '1' : '0'
  }
  if (isDate(v)) {
    return v.toISOString()
  }
  return JSON.stringify(v)
}

const foldASCII = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase())

const likeCache = new Map<string, LikePattern>()

/**
 * SQLite `LIKE`: `%` = any run, `_` = any single character, case-insensitive for ASCII only,
 * no escape character (drizzle does not escape user input).
 */
export const sqlLike = (value: unknown, pattern: string): boolean => {
  if (isNullish(value)) {
    return false
  }
  let like = likeCache.get(pattern)
  if (!like) {
    like = compileLike(foldASCII(pattern))
    if (likeCache.size > 1000) {
      likeCache.clear()
    }
    likeCache.set(pattern, like)
  }
  return matchesLike(like, foldASCII(sqlText(value)))
}

/** Milliseconds of a date-ish value, or undefined when it is not a valid date. */
export const toInstant = (v: unknown): number | undefined => {
  if (isDate(v)) {
    return Number.isNaN(v.getTime()) ? undefined : v.getTime()
  }
  if (typeof v === 'string' || typeof v === 'number') {
    if (v === '') {
      return undefined
    }
    const t = new Date(v).getTime()
    return Number.isNaN(t) ? undefined : t
  }
  return undefined
}
