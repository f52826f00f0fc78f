import type { Payload } from 'payload'

import type { ResolvedPath } from '../paths.js'

import { asPoint, matchesNear, parseNear, pointInGeometry, type NearQuery } from '../geo.js'
import { INVALID, sanitizeExists, sanitizeListItems, sanitizeScalar } from '../sanitizeValue.js'
import { isNullish, sqlCompare, sqlLike, sqlText } from '../sqlValues.js'
import { equalsNull, valueEquals } from './equality.js'
import { numberTargetsOnly, onNumberIDsOnly, typedPolyValue } from './polyValue.js'
import { containsText, likeWords } from './text.js'

/**
 * One operator on one path, as a test of a single stored value (`null`/`undefined` = SQL NULL).
 * A document (under one join binding) matches when any of the path's values passes; a path with
 * no value is tested once with NULL.
 *
 * Returns `true`/`false` for constraints that do not depend on the value (drizzle drops
 * unsanitizable constraints → `true`), or `{ all }` for `all`, which needs every value at once.
 */
export type ValueTest = (v: unknown) => boolean
export type OperatorResult =
  boolean | ValueTest | { all: unknown[] } | { near: NearQuery; test: ValueTest }

const isRelationLike = (p: ResolvedPath): boolean =>
  p.kind === 'relationship' || p.kind === 'poly' || p.kind === 'polyValue'

const isHasManyEquality = (p: ResolvedPath): boolean =>
  p.hasMany && (p.kind === 'relationship' || p.kind === 'poly' || p.field?.type === 'select')

const inList = (path: ResolvedPath, list: unknown[]): ValueTest => {
  const hasNull = list.some((x) => x === null)
  const values = list.filter((x) => x !== null)
  return (v) => (isNullish(v) ? hasNull : values.some((s) => valueEquals(path, v, s)))
}

const sanitizePoly = (payload: Payload, path: ResolvedPath, x: unknown): unknown =>
  x && typeof x === 'object' && !Array.isArray(x)
    ? typedPolyValue(payload, path, x)
    : sanitizeScalar(payload, path, x)

export const buildOperator = (
  payload: Payload,
  path: ResolvedPath,
  operator: string,
  value: unknown,
): OperatorResult => {
  const numberTargets =
    path.kind === 'polyValue' && operator !== 'exists'
      ? numberTargetsOnly(payload, path, value)
      : undefined
  if (numberTargets) {
    return onNumberIDsOnly(buildOperator(payload, numberTargets, operator, value))
  }
  const json = path.kind === 'json'
  const scalar = (x: unknown): unknown =>
    json
      ? x
      : path.kind === 'poly'
        ? sanitizePoly(payload, path, x)
        : sanitizeScalar(payload, path, x)

  switch (operator) {
    case 'exists': {
      const want = sanitizeExists(value)
      return (v) =>
        want
          ? !isNullish(v) && !isEmptyContainer(path, v)
          : isNullish(v) || isEmptyContainer(path, v)
    }
    case 'equals':
    case 'not_equals': {
      const negate = operator === 'not_equals'
      if (Array.isArray(value) && isRelationLike(path)) {
        return buildOperator(payload, path, negate ? 'not_in' : 'in', value)
      }
      if (Array.isArray(value) && !json) {
        return false
      }
      const s = scalar(value)
      if (s === INVALID) {
        return negate
      }
      if (s === null) {
        return negate ? (v) => !equalsNull(v) : equalsNull
      }
      if (!negate) {
        return (v) => valueEquals(path, v, s)
      }
      // drizzle: `col IS NULL OR col <> x`; JSON paths use a bare `<>` (NULL does not match).
      return json
        ? (v) => !isNullish(v) && !valueEquals(path, v, s)
        : (v) => isNullish(v) || !valueEquals(path, v, s)
    }
    case 'in':
    case 'not_in':
    case 'all': {
      const sanitized = json
        ? Array.isArray(value)
          ? { dropped: 0, items: value }
          : INVALID
        : sanitizeListItems(payload, path, value)
      if (sanitized === INVALID) {
        return true
      }
      const list = sanitized.items
      if (operator === 'all') {
        return { all: list }
      }
      if (operator === 'in') {
        return list.length ? inList(path, list) : false
      }
      if (!list.length) {
        // `not_in: []` keeps every document; a number field's list of only values it cannot
        // hold is SQL's NOT IN of them (db-sqlite binds them): every document with a value.
        // Other kinds drop them from the condition there too, keeping every document.
        return sanitized.dropped > 0 && path.kind === 'number' ? (v) => !isNullish(v) : true
      }
      const inside = inList(
        path,
        list.filter((x) => x !== null),
      )
      // relationships: `NOT IN (...) OR col IS NULL`; other columns: bare `NOT IN` (NULL does not match)
      return isRelationLike(path)
        ? (v) => isNullish(v) || !inside(v)
        : (v) => !isNullish(v) && !inside(v)
    }
    case 'greater_than':
    case 'greater_than_equal':
    case 'less_than':
    case 'less_than_equal': {
      const s = scalar(value)
      if (s === INVALID || isNullish(s)) {
        return false
      }
      // A polymorphic value is compared in its own collection's id type (number or text).
      const against = (v: unknown): unknown =>
        isRelationLike(path) && Array.isArray(s)
          ? path.kind === 'polyValue'
            ? s.find((c) => typeof c === typeof v)
            : s[0]
          : s
      const ok = (c: number): boolean =>
        operator === 'greater_than'
          ? c > 0
          : operator === 'greater_than_equal'
            ? c >= 0
            : operator === 'less_than'
              ? c < 0
              : c <= 0
      return (v) => {
        const c = isNullish(v) ? undefined : against(v)
        return c !== undefined && ok(sqlCompare(v, c))
      }
    }
    case 'like': {
      if (path.kind === 'number' || path.kind === 'id' || isRelationLike(path)) {
        return buildOperator(payload, path, 'equals', value)
      }
      if (isNullish(value)) {
        return false
      }
      const q = sqlText(value)
      return (v) => likeWords(v, q)
    }
    case 'not_like': {
      if (isNullish(value)) {
        return false
      }
      // db-sqlite: a plain `NOT LIKE value` (no `%` added: `not_like: 'app'` keeps 'apple'); JSON
      // paths use `COALESCE(col, '') NOT LIKE '%value%'` (NULL matches).
      if (json) {
        return (v) => !sqlLike(isNullish(v) ? '' : v, `%${sqlText(value)}%`)
      }
      // Dates and numbers bind the value as their column does: a date as its ISO text, a number
      // as a REAL, whose text (`3.0`) an integer stored as `3` never matches; 'abc' binds NULL.
      const typed = path.kind === 'date' || path.kind === 'number'
      const s = typed ? scalar(value) : value
      if (s === INVALID || isNullish(s)) {
        return false
      }
      const pattern =
        path.kind === 'date' && typeof s === 'number'
          ? new Date(s).toISOString()
          : path.kind === 'number' && Number.isInteger(s)
            ? `${String(s)}.0`
            : sqlText(s)
      return (v) => !isNullish(v) && !sqlLike(v, pattern)
    }
    case 'contains': {
      if (isHasManyEquality(path)) {
        return buildOperator(payload, path, 'equals', value)
      }
      if (Array.isArray(value)) {
        if (path.hasMany && (path.kind === 'text' || path.kind === 'number')) {
          return (v) => value.some((x) => containsText(v, x))
        }
        return false
      }
      if (isNullish(value)) {
        return false
      }
      const s = json || path.kind === 'text' ? value : scalar(value)
      if (s === INVALID) {
        return false
      }
      // dates: the value is sanitized to an ISO string, matched against the stored text
      const q = Array.isArray(s)
        ? s[0]
        : path.kind === 'date' && typeof s === 'number'
          ? new Date(s).toISOString()
          : s
      return (v) => containsText(v, q)
    }
    case 'near': {
      const near = parseNear(value)
      if (!near) {
        return false
      }
      const test: ValueTest = (v) => {
        const p = asPoint(v)
        return !!p && matchesNear(near, p)
      }
      return { near, test }
    }
    case 'within':
    case 'intersects': {
      const boundary = true
      return (v) => {
        const p = asPoint(v)
        return !!p && pointInGeometry(p, value, boundary)
      }
    }
    default:
      return true
  }
}

/** Group/array leaves (`arr exists`): an empty array counts as absent. */
const isEmptyContainer = (path: ResolvedPath, v: unknown): boolean =>
  path.kind === 'container' && Array.isArray(v) && v.length === 0
