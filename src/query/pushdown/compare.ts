import type { Filter, StoredTarget } from './types.js'

import { pushableScalar } from './pushableScalar.js'
import { whenStoredAs } from './types.js'

export type Comparison = Extract<Filter, { kind: 'compare' }>['operator']

/**
 * `path <comparison> value` on values of the field's type (others are kept), when the sanitized
 * value is one DynamoDB compares as the evaluator does.
 */
export function pushComparison(
  target: StoredTarget,
  operator: Comparison,
  sanitized: unknown,
): Filter | undefined {
  const value = pushableScalar(target, sanitized)
  return value === undefined
    ? undefined
    : whenStoredAs(target, { kind: 'compare', operator, path: target.path, value })
}
