import type { IndexPart } from '../../indexes/definitions.js'
import type { Condition } from './conditions.js'
import type { KeyRange } from './types.js'

import { encodePart } from '../../indexes/entries.js'
import { MAX_SORT_KEY_BYTES } from '../../indexes/keyLimits.js'
import { compareBinary, toInstant } from '../sqlValues.js'

/** Sorts after every id part (`=…` or `~…`) of an index key, closing a value's key range. */
const AFTER_ID = '\u007f'

/** Key prefixes bounding every value of one kind (the type tags of orderedValue.ts). */
const KIND_BOUNDS: Record<IndexPart['kind'], KeyRange> = {
  boolean: { from: 'B', to: 'C' },
  date: { from: 'N', to: 'O' },
  number: { from: 'N', to: 'O' },
  point: { from: 'S', to: 'T' },
  polymorphic: { from: 'S', to: 'T' },
  relationship: { from: 'S', to: 'T' },
  text: { from: 'S', to: 'T' },
}

const RANGE_OPERATORS = new Set([
  'greater_than',
  'greater_than_equal',
  'less_than',
  'less_than_equal',
])

/** Kinds whose key order is the evaluator's order (relationship ids are keyed as text). */
const RANGE_KINDS = new Set<IndexPart['kind']>(['date', 'number', 'text'])

/**
 * Whether entries of `part` come out of an index in the order the comparator sorts its values:
 * not a relationship's (number ids are keyed as text: '10' before '9'), a point's, a boolean's.
 */
export const orderedLikeValues = (part: Pick<IndexPart, 'kind'>): boolean =>
  RANGE_KINDS.has(part.kind)

/** At most this many separate key ranges are read for one `in` list. */
const MAX_POINTS = 25

export type IndexableCondition = {
  /** Every entry in the ranges matches the condition exactly (so entries can be counted). */
  exact: boolean
  /** Each range holds the entries of one value (an `equals` or an `in` list). */
  points?: boolean
  /**
   * The key ranges to read, in key order. Empty when no document can satisfy the conditions
   * (an empty `in`, two different equalities, a range whose bounds cross): nothing is read.
   */
  ranges: KeyRange[]
  /** 4: nothing can match, 3: equality, 2: a short `in` list, 1: a range. */
  selectivity: number
  /** With no ranges: why nothing can match. */
  why?: string
}

/** Key order, which is DynamoDB's: UTF-8 bytes, that is code points. */
export const compareKeys = compareBinary

/** Whether a key range holds nothing (DynamoDB rejects `BETWEEN` with from > to). */
export function invertedRange(range: KeyRange): boolean {
  return compareKeys(range.from, range.to) > 0
}

function listOf(part: IndexPart, value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) {
    return value
  }
  if (typeof value === 'string') {
    // A query string's numbers are read by parseFloat, as the evaluator reads them.
    const items = value.split(',')
    return part.kind === 'number' ? items.map((item) => parseFloat(item)) : items
  }
  return undefined
}

/**
 * Whether the index keys `value` exactly as the evaluator (src/query/sanitizeValue.ts) compares
 * it. Other values (`'abc'` for a date, `' '` for a number, `'TRUE'` for a checkbox, `'05'` for an
 * id) are left to the evaluator: their key would miss documents the evaluator accepts.
 */
function indexable(part: IndexPart, value: unknown): value is boolean | number | string {
  switch (part.kind) {
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false'
    case 'date':
      return (
        typeof value === 'string' &&
        value !== '' &&
        Number.isFinite(Date.parse(value)) &&
        Date.parse(value) === toInstant(value)
      )
    case 'number':
      return typeof value === 'number'
        ? Number.isFinite(value)
        : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))
    case 'relationship':
      if (typeof value === 'number') {
        return Number.isFinite(value)
      }
      // A numeric string is a number id for collections with number ids: only its canonical form
      // ('5', not '05' or ' 5') has the same key. 'null' means no related document (as for
      // db-sqlite), which has no entry.
      return (
        typeof value === 'string' &&
        value !== '' &&
        value !== 'null' &&
        (Number.isNaN(Number(value)) || String(Number(value)) === value)
      )
    case 'text':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
    default:
      return false
  }
}

/**
 * The key prefix of an indexable value, or undefined when it is too long to be a bound (an id of
 * 10 KB: the index cannot hold it, DynamoDB would reject the request; the evaluator decides).
 */
function keyOf(part: IndexPart, value: unknown): string | undefined {
  if (!indexable(part, value)) {
    return undefined
  }
  const key = encodePart(part, value)
  return Buffer.byteLength(key + AFTER_ID) < MAX_SORT_KEY_BYTES ? key : undefined
}

function valueRange(prefix: string): KeyRange {
  return { from: prefix, to: prefix + AFTER_ID }
}

function truncated(part: IndexPart, value: unknown): boolean {
  return part.kind === 'text' && typeof value === 'string' && value.length >= part.maxText
}

const NOTHING = (why: string): IndexableCondition => ({
  exact: true,
  ranges: [],
  selectivity: 4,
  why,
})

/** One end of a range: the encoded value, whether it is excluded, whether it was cut short. */
type Bound = { key: string; strict: boolean; truncated: boolean }

/** Whether `key` lies beyond `bound` (below a lower bound or above an upper one). */
function outside(key: string, bound: Bound | undefined, side: 1 | -1, isTruncated: boolean) {
  if (!bound) {
    return false
  }
  const order = compareKeys(key, bound.key) * side
  // Equal keys of cut-short texts may be different values: only exact equality is excluded.
  return order < 0 || (order === 0 && bound.strict && !bound.truncated && !isTruncated)
}

/** Whether no value lies between a lower and an upper bound. */
function crossed(lower: Bound, upper: Bound): boolean {
  const order = compareKeys(lower.key, upper.key)
  return (
    order > 0 ||
    (order === 0 && (lower.strict || upper.strict) && !lower.truncated && !upper.truncated)
  )
}

/** Keeps the tighter of two bounds (`side` 1: lower bound, -1: upper bound). */
function tighter(a: Bound | undefined, b: Bound, side: 1 | -1): Bound {
  if (!a) {
    return b
  }
  const order = compareKeys(a.key, b.key) * side
  if (order !== 0) {
    return order > 0 ? a : b
  }
  return a.strict ? a : b
}

/**
 * The index key ranges holding every document that satisfies `conditions` (all on `part`'s path),
 * or undefined when the index cannot answer them. Ranges may hold a few extra entries at their
 * edges (`greater_than` includes the bound): the evaluator removes those. When the conditions
 * contradict each other, the answer has no ranges at all (see IndexableCondition).
 */
export function rangesFor(
  part: IndexPart,
  conditions: Condition[],
): IndexableCondition | undefined {
  // A multi-valued field can hold 3 and 4, or 1 and 5: `equals 3 and equals 4` or
  // `greater_than 4 and less_than 2` may both hold, so conditions are not intersected.
  const single = !part.multiValued
  /** Encoded values one of which the document must have (from `equals` and `in`), when known. */
  let points: string[] | undefined
  let pointsExact = false
  let pointsTruncated = false
  let lower: Bound | undefined
  let upper: Bound | undefined
  /** A condition on this path that the ranges do not capture (the evaluator must decide it). */
  let skipped = false
  const keep = (encoded: string[], exact: boolean, isTruncated: boolean) => {
    if (!points) {
      points = [...new Set(encoded)]
      pointsExact = exact
    } else if (single) {
      points = points.filter((point) => encoded.includes(point))
      pointsExact = false
    } else if (encoded.length < points.length) {
      points = [...new Set(encoded)]
      pointsExact = false
    }
    pointsTruncated ||= isTruncated
  }
  for (const { operator, value } of conditions) {
    if (operator === 'equals') {
      const key = keyOf(part, value)
      if (key !== undefined) {
        keep([key], single && !truncated(part, value), truncated(part, value))
      } else {
        skipped = true
      }
    } else if (operator === 'in') {
      if (Array.isArray(value) && value.length === 0) {
        return NOTHING('`in` an empty list')
      }
      const list = listOf(part, value)
      const keys = list?.map((item) => keyOf(part, item))
      if (list && keys && keys.every((key) => key !== undefined)) {
        const cut = list.some((item) => truncated(part, item))
        // A single-valued field is in one range at most, so the ranges hold each match once.
        keep(keys as string[], single && !cut, cut)
      } else {
        skipped = true
      }
    } else if (
      RANGE_OPERATORS.has(operator) &&
      RANGE_KINDS.has(part.kind) &&
      (part.kind !== 'text' || typeof value === 'string') &&
      (single || (!lower && !upper))
    ) {
      const key = keyOf(part, value)
      if (key === undefined) {
        skipped = true
        continue
      }
      const bound = { key, strict: !operator.endsWith('_equal'), truncated: truncated(part, value) }
      if (operator.startsWith('greater')) {
        lower = tighter(lower, bound, 1)
      } else {
        upper = tighter(upper, bound, -1)
      }
    } else {
      skipped = true
    }
  }
  if (single && lower && upper && crossed(lower, upper)) {
    return NOTHING('the range is empty')
  }
  if (points && single && (lower || upper)) {
    points = points.filter(
      (point) =>
        !outside(point, lower, 1, pointsTruncated) && !outside(point, upper, -1, pointsTruncated),
    )
  }
  if (points && points.length === 0) {
    return NOTHING(single ? 'no value satisfies every condition' : '`in` an empty list')
  }
  if (points && points.length <= MAX_POINTS) {
    points.sort(compareKeys)
    const exact = pointsExact && !skipped && !lower && !upper && !part.candidatesOnly
    return points.length === 1
      ? { exact, points: true, ranges: [valueRange(points[0])], selectivity: 3 }
      : { exact, points: true, ranges: points.map(valueRange), selectivity: 2 }
  }
  if (lower || upper) {
    const bounds = KIND_BOUNDS[part.kind]
    // Numbers and dates are keyed exactly as the evaluator compares them, so a strict bound can
    // leave its value's entries out and the range holds exactly the matches (countable). Text
    // keys may be cut short, so text ranges keep their edges for the evaluator to trim.
    const exact =
      single &&
      !skipped &&
      !points &&
      part.kind !== 'text' &&
      !lower?.truncated &&
      !upper?.truncated
    return {
      exact,
      ranges: [
        {
          from: !lower ? bounds.from : exact && lower.strict ? lower.key + AFTER_ID : lower.key,
          to: !upper ? bounds.to : exact && upper.strict ? upper.key : upper.key + AFTER_ID,
        },
      ],
      selectivity: 1,
    }
  }
  return undefined
}

/** The whole index in key order: every value of the part's kind, and the null entries. */
export function wholeIndex(): KeyRange[] {
  return [{ from: 'A', to: 'T' }]
}
