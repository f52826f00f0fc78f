import type { IndexRead, Plan } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { iterateIndexRange } from '../storage/indexStore.js'
import { entriesRemembered } from './indexCounts.js'

/**
 * At most this many candidates cost no more to fetch by key than the smallest partition read
 * that weighing would consider (see weighPlan.ts), so a plan that finds no more is not weighed.
 */
export const FEW_CANDIDATES = 4

/**
 * The candidate ids of an equality / `in` plan when it has only a few (most lookups Payload makes
 * itself: a document's lock, a user's preferences, the documents that point at one document):
 * read from the first page of each value's entries, which the plan would read anyway. Undefined
 * when there may be more (the plan is weighed then, as before), and without looking when the
 * entries' count is remembered (weighing then costs no request, and the probe would).
 */
export async function fewCandidateIDs(
  adapter: DynamoDBAdapter,
  plan: Extract<Plan, { kind: 'index' }>,
): Promise<(number | string)[] | undefined> {
  const ranges = plan.reads.flatMap((read: IndexRead) =>
    read.points ? read.ranges.map((range) => ({ pk: read.pk, range })) : [],
  )
  const rangeCount = plan.reads.reduce((sum, read) => sum + read.ranges.length, 0)
  if (ranges.length === 0 || ranges.length !== rangeCount || ranges.length > FEW_CANDIDATES) {
    return undefined
  }
  // Counts remembered from a moment ago weigh the plan without a request: no need to look.
  if (plan.reads.every((read) => entriesRemembered(adapter, read))) {
    return undefined
  }
  const pages = await Promise.all(
    ranges.map(async ({ pk, range }) => {
      // One more than the limit: a page shorter than it holds every entry of the value.
      for await (const rows of iterateIndexRange(adapter, pk, range, {
        descending: false,
        pageSize: FEW_CANDIDATES + 1,
      })) {
        return rows.map((row) => row.id)
      }
      return []
    }),
  )
  const ids = pages.flat()
  return ids.length <= FEW_CANDIDATES ? ids : undefined
}
