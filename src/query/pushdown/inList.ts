import type { Filter, PushedValue, StoredTarget } from './types.js'

import { pushableScalar } from './pushableScalar.js'
import { not, whenStoredAs } from './types.js'

/** DynamoDB's cap on the operands of one `IN`. */
const MAX_IN_VALUES = 100

/**
 * `in` / `not_in` with a sanitized list. A `null` in the list only concerns NULL or missing
 * values, which are kept anyway; every other value must be pushable, or nothing is pushed.
 */
export function pushInList(
  target: StoredTarget,
  operator: 'in' | 'not_in',
  sanitized: unknown[],
): Filter | undefined {
  const values: PushedValue[] = []
  for (const entry of sanitized) {
    if (entry === null) {
      continue
    }
    const value = pushableScalar(target, entry)
    if (value === undefined) {
      return undefined
    }
    values.push(value)
  }
  // An empty list is answered by the evaluator (in: nothing, not_in: everything).
  if (values.length === 0 || values.length > MAX_IN_VALUES) {
    return undefined
  }
  const inside: Filter = { kind: 'in', path: target.path, values }
  return whenStoredAs(target, operator === 'in' ? inside : not(inside))
}
