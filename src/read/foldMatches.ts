import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { type QueryArgs, runQuery } from './runQuery.js'

/**
 * Hands every match of a query to `fold`, for answers far smaller than the matches (the distinct
 * values of a field). Where the query reads the partition, page by page as the pages are read, so
 * no more than a page is held; otherwise (an index plan, a held collection, a transaction's
 * staged writes) all at once, as a find would return them. Not in the query's order.
 */
export async function foldMatches(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: QueryArgs,
  fold: (matches: Doc[]) => Promise<void>,
): Promise<void> {
  const { ordered } = await runQuery(adapter, namespace, args, {
    fold,
    needsTotal: false,
    want: Number.POSITIVE_INFINITY,
  })
  // Empty when the matches were folded as they were read.
  await fold(ordered)
}
