import type { IndexRead } from './query/plan/types.js'
import type { DynamoDBAdapter, ExplainArgs, Explanation, ShownRead } from './types.js'

import { partitionCost } from './query/plan/cost.js'
import { approximateDocumentCount } from './read/indexCounts.js'
import { paginate } from './read/paginate.js'
import { documentBytes } from './read/weighPlan.js'
import { describePlan } from './read/reportPlan.js'
import { runQuery } from './read/runQuery.js'
import { collectionNamespace } from './namespaces.js'
import { RequestStats, withRequestRecorder } from './storage/requestStats.js'

/**
 * Runs a find as Payload would and reports how it was answered: the plan, the DynamoDB requests
 * it made and the capacity they consumed (`payload.db.explain({ collection, where, sort })`).
 */
export async function explain(this: DynamoDBAdapter, args: ExplainArgs): Promise<Explanation> {
  const namespace = collectionNamespace(this, args.collection)
  const limit = args.limit === undefined ? 10 : args.limit
  const page = args.page && args.page > 0 ? args.page : 1
  const recorder = new RequestStats()
  const result = await withRequestRecorder(recorder, () =>
    runQuery(this, namespace, args, {
      needsTotal: args.pagination !== false && limit > 0,
      page: limit > 0 ? { limit, offset: (page - 1) * limit } : undefined,
      want: limit > 0 ? page * limit : Number.POSITIVE_INFINITY,
    }),
  )
  const { plan } = result
  const stats = recorder.snapshot()
  // A partition read's estimate needs the collection's size: asked after the query, not counted.
  // Answers from memory have none (their cost is the one small read shown).
  const estimate =
    result.estimate ??
    (plan.kind === 'partition' && !plan.held
      ? partitionCost(
          await approximateDocumentCount(this, namespace),
          documentBytes(this, namespace),
          this.consistentRead,
        )
      : undefined)
  return {
    description: describePlan(namespace, plan),
    estimate,
    plan:
      plan.kind === 'index'
        ? {
            ...plan,
            countRead: plan.countRead && shownRead(plan.countRead),
            reads: plan.reads.map(shownRead),
            sortWalk: plan.sortWalk && shownRead(plan.sortWalk),
          }
        : plan,
    itemsRead: stats.itemsRead,
    rcu: stats.rcu,
    requests: stats.requests,
    requestsByCommand: stats.requestsByCommand,
    returned: paginate(
      result.ordered,
      { limit, page, pagination: args.pagination },
      result.totalDocs,
      result.offset,
    ).docs.length,
    totalDocs: result.totalDocs,
    wcu: stats.wcu,
  }
}

/** An index read as `explain` shows it: the index, the locale, how many key ranges. */
function shownRead(read: IndexRead): ShownRead {
  return { index: read.definition.name, locale: read.locale, ranges: read.ranges.length }
}
