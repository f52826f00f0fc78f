import type { Filter, StoredTarget } from './types.js'

import { pushComparison } from './compare.js'

const COMPARISONS = {
  greater_than: '>',
  greater_than_equal: '>=',
  less_than: '<',
  less_than_equal: '<=',
} as const

export type RangeOperator = keyof typeof COMPARISONS

export const isRangeOperator = (operator: string): operator is RangeOperator =>
  operator in COMPARISONS

/** A range bound: numbers numerically, text by code point, on both sides. */
export function pushRange(
  target: StoredTarget,
  operator: RangeOperator,
  sanitized: unknown,
): Filter | undefined {
  return pushComparison(target, COMPARISONS[operator], sanitized)
}
