import type { Payload, Where } from 'payload'

import { validOperatorSet } from 'payload/shared'

import type { ResolvedPath } from '../paths.js'
import type { Filter, StoredTarget } from './types.js'

import { isPlainObject } from '../../utilities/plainObject.js'
import { wellFormedValues } from '../../utilities/wellFormed.js'
import { INVALID, sanitizeExists, sanitizeList, sanitizeScalar } from '../sanitizeValue.js'
import { pushEquals } from './equals.js'
import { pushExists } from './exists.js'
import { fitFilter } from './fitFilter.js'
import { pushInList } from './inList.js'
import { isRangeOperator, pushRange } from './range.js'
import { storedTarget } from './storedTarget.js'
import { and, or } from './types.js'

export type PushContext = { fields: Parameters<typeof storedTarget>[0]; payload: Payload }

/** More conditions than this are not pushed (DynamoDB caps an expression's operators at 300). */
const MAX_CONDITIONS = 40

/** The evaluator's sanitation needs only the leaf kind for text and number fields. */
const leafPath = (target: StoredTarget): ResolvedPath => ({
  get: () => [],
  hasMany: false,
  joins: [],
  kind: target.type === 'N' ? 'number' : 'text',
})

function pushCondition(
  context: PushContext,
  target: StoredTarget,
  operator: string,
  value: unknown,
): Filter | undefined {
  if (operator === 'exists') {
    return pushExists(target, sanitizeExists(value))
  }
  // Lists are the evaluator's own cases (`equals: [...]` matches nothing): not pushed.
  if (Array.isArray(value) && operator !== 'in' && operator !== 'not_in') {
    return undefined
  }
  const path = leafPath(target)
  if (operator === 'equals' || operator === 'not_equals') {
    return pushEquals(target, operator, sanitizeScalar(context.payload, path, value))
  }
  if (isRangeOperator(operator)) {
    return pushRange(target, operator, sanitizeScalar(context.payload, path, value))
  }
  if (operator === 'in' || operator === 'not_in') {
    const list = sanitizeList(context.payload, path, value)
    return list === INVALID ? undefined : pushInList(target, operator, list)
  }
  // like, contains, near, ...: only the evaluator knows.
  return undefined
}

function pushNode(context: PushContext, where: Where): Filter | undefined {
  const parts: Filter[] = []
  for (const [key, condition] of Object.entries(where)) {
    const lower = key.toLowerCase()
    if ((lower === 'and' || lower === 'or') && Array.isArray(condition)) {
      const children = condition.map((child) =>
        isPlainObject(child) ? pushNode(context, child as Where) : undefined,
      )
      if (lower === 'and') {
        const pushed = children.filter((child): child is Filter => child !== undefined)
        if (pushed.length > 0) {
          parts.push(and(pushed))
        }
      } else if (children.length > 0 && children.every((child) => child !== undefined)) {
        // One branch that pushes nothing lets every item through the whole `or`.
        parts.push(or(children as Filter[]))
      }
      continue
    }
    if (!isPlainObject(condition)) {
      continue
    }
    const target = storedTarget(context.fields, key)
    if (!target) {
      continue
    }
    for (const [operator, value] of Object.entries(condition)) {
      if (!validOperatorSet.has(operator as never)) {
        continue
      }
      const pushed = pushCondition(context, target, operator, value)
      if (pushed) {
        parts.push(pushed)
      }
    }
  }
  return parts.length > 0 ? and(parts) : undefined
}

const conditionCount = (filter: Filter): number =>
  filter.kind === 'and' || filter.kind === 'or'
    ? filter.children.reduce((sum, child) => sum + conditionCount(child), 0)
    : filter.kind === 'not'
      ? conditionCount(filter.child)
      : 1

/**
 * The part of a Payload `where` that DynamoDB can check exactly as the evaluator would, as a
 * filter that is never stricter than the `where`; undefined when nothing can be pushed.
 */
export function pushWhere(context: PushContext, where: undefined | Where): Filter | undefined {
  if (!where || !isPlainObject(where)) {
    return undefined
  }
  const filter = pushNode(context, wellFormedValues(where))
  return filter && conditionCount(filter) <= MAX_CONDITIONS ? fitFilter(filter) : undefined
}
