import type { ResolvedPath } from '../paths.js'

import { isNullish, sqlEquals } from '../sqlValues.js'

/**
 * Equality between a stored (normalized) value and a sanitized query value. Relationship values
 * sanitize to a list of id candidates (one per target id type); polymorphic values are
 * `{ relationTo, value }`.
 */
export const valueEquals = (path: ResolvedPath, v: unknown, s: unknown): boolean => {
  if (isNullish(v) || isNullish(s)) {
    return false
  }
  if (path.kind === 'poly') {
    return polyEquals(v, s)
  }
  if ((path.kind === 'relationship' || path.kind === 'polyValue') && Array.isArray(s)) {
    return s.some((c) => sqlEquals(v, c))
  }
  return sqlEquals(v, s)
}

type PolyValue = { relationTo?: unknown; value?: unknown }

const polyEquals = (v: unknown, s: unknown): boolean => {
  const stored = v as PolyValue
  if (s && typeof s === 'object' && !Array.isArray(s) && 'relationTo' in s) {
    const q = s as PolyValue
    return stored.relationTo === q.relationTo && looseIDEquals(stored.value, q.value)
  }
  // A bare id: compare with the stored value (db-mongodb semantics; db-sqlite rejects this).
  return looseIDEquals(stored.value, s)
}

/** Id equality across number/string forms (`1` vs `'1'`), like the official id coercion. */
export const looseIDEquals = (a: unknown, b: unknown): boolean => {
  if (isNullish(a) || isNullish(b)) {
    return false
  }
  if (Array.isArray(b)) {
    return b.some((x) => looseIDEquals(a, x))
  }
  return a === b || String(a) === String(b)
}

export const equalsNull = (v: unknown): boolean => isNullish(v)
