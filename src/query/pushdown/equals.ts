import type { Filter, StoredTarget } from './types.js'

import { pushComparison } from './compare.js'

/**
 * `equals` / `not_equals` with a sanitized scalar: on values of the field's type, DynamoDB's `=`
 * and `<>` are the evaluator's (a NULL or missing value is kept either way).
 */
export function pushEquals(
  target: StoredTarget,
  operator: 'equals' | 'not_equals',
  sanitized: unknown,
): Filter | undefined {
  return pushComparison(target, operator === 'equals' ? '=' : '<>', sanitized)
}
