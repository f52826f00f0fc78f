import type { IndexPart } from '../../indexes/definitions.js'
import type { Condition } from './conditions.js'
import type { KeyRange } from './types.js'

import { encodePart } from '../../indexes/entries.js'

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

export type IndexableCondition = {
  /** Every entry in the ranges matches the condition exactly (so entries can be counted). */
  exact: boolean
  ranges: KeyRange[]
  /** 3: equality, 2: a short `in` list, 1: a range. */
  selectivity: number
}

function isScalar(value: unknown): value is boolean | number | string {
  return ['boolean', 'number', 'string'].includes(typeof value)
}

function listOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) {
    return value
  }
  if (typeof value === 'string') {
    return value.split(',')
  }
  return undefined
}

function valueRange(part: IndexPart, value: unknown): KeyRange {
  const prefix = encodePart(part, value)
  return { from: prefix, to: prefix + AFTER_ID }
}

function truncated(part: IndexPart, value: unknown): boolean {
  return part.kind === 'text' && typeof value === 'string' && value.length >= part.maxText
}

/**
 * The index key ranges holding every document that satisfies `conditions` (all on `part`'s path),
 * or undefined when the index cannot answer them. Ranges may hold a few extra entries at their
 * edges (`greater_than` includes the bound): the evaluator removes those.
 */
export function rangesFor(
  part: IndexPart,
  conditions: Condition[],
): IndexableCondition | undefined {
  let best: IndexableCondition | undefined
  let lower: string | undefined
  let upper: string | undefined
  for (const { operator, value } of conditions) {
    if (operator === 'equals' && isScalar(value)) {
      best = {
        exact: !part.multiValued && !truncated(part, value),
        ranges: [valueRange(part, value)],
        selectivity: 3,
      }
    } else if (operator === 'in' && !best) {
      const list = listOf(value)
      if (list && list.length > 0 && list.length <= 25 && list.every(isScalar)) {
        best = { exact: false, ranges: list.map((item) => valueRange(part, item)), selectivity: 2 }
      }
    } else if (RANGE_OPERATORS.has(operator) && isScalar(value) && part.kind !== 'boolean') {
      if (part.kind === 'text' && typeof value !== 'string') {
        continue
      }
      const edge = encodePart(part, value)
      if (operator.startsWith('greater')) {
        lower = lower && lower > edge ? lower : edge
      } else {
        const end = edge + AFTER_ID
        upper = upper && upper < end ? upper : end
      }
    }
  }
  if (best) {
    return best
  }
  if (lower || upper) {
    const bounds = KIND_BOUNDS[part.kind]
    return {
      exact: false,
      ranges: [{ from: lower ?? bounds.from, to: upper ?? bounds.to }],
      selectivity: 1,
    }
  }
  return undefined
}

/** The whole index in key order: every value of the part's kind, and the null entries. */
export function wholeIndex(): KeyRange[] {
  return [{ from: 'A', to: 'T' }]
}
