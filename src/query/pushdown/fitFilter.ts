import type { Filter } from './types.js'

import { renderFilter } from './renderFilter.js'
import { and } from './types.js'

/**
 * DynamoDB rejects a request whose `FilterExpression` is longer than 4 KB (a few `in` lists of a
 * hundred values are enough). Placeholders are ASCII, so characters are bytes; the margin is for
 * nothing in particular but cheap.
 */
const MAX_EXPRESSION_CHARS = 4000

const fits = (filter: Filter) => renderFilter(filter).expression.length <= MAX_EXPRESSION_CHARS

/**
 * The filter, or the part of it that fits one expression: of an `and`, the conditions that fit
 * together (smallest first: each only ever drops items, so any subset is still never stricter
 * than the query); of anything else, all or nothing. The evaluator still decides either way.
 */
export function fitFilter(filter: Filter): Filter | undefined {
  if (fits(filter)) {
    return filter
  }
  if (filter.kind !== 'and') {
    return undefined
  }
  const bySize = [...filter.children].sort(
    (x, y) => renderFilter(x).expression.length - renderFilter(y).expression.length,
  )
  const kept: Filter[] = []
  for (const child of bySize) {
    if (fits(and([...kept, child]))) {
      kept.push(child)
    }
  }
  return kept.length > 0 ? and(kept) : undefined
}
