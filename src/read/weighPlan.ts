import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { IndexPlan, Plan } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import {
  candidatesCost,
  type CostEstimate,
  fetchCost,
  NO_COST,
  orderedPageCost,
  partitionCost,
  walkCost,
} from '../query/plan/cost.js'
import { approximateDocumentCount, approximateEntries, countedByValue } from './indexCounts.js'

/** Typical stored size of a namespace's documents, from documents read (1 KB until one is). */
const observed = new WeakMap<object, Map<string, number>>()
const DEFAULT_DOCUMENT_BYTES = 1024

/** Notes the size of one of the documents just read (a sample is enough for estimates). */
export function observeDocuments(adapter: DynamoDBAdapter, namespace: Namespace, docs: Doc[]) {
  if (docs.length === 0) {
    return
  }
  const perAdapter = observed.get(adapter) ?? new Map<string, number>()
  observed.set(adapter, perAdapter)
  const sample = Buffer.byteLength(JSON.stringify(docs[0]), 'utf8') + 100
  const known = perAdapter.get(namespace.pk)
  perAdapter.set(
    namespace.pk,
    known === undefined ? sample : Math.round(0.8 * known + 0.2 * sample),
  )
}

export function documentBytes(adapter: DynamoDBAdapter, namespace: Namespace): number {
  return observed.get(adapter)?.get(namespace.pk) ?? DEFAULT_DOCUMENT_BYTES
}

export type Weighed = { estimate?: CostEstimate; plan: Plan }

/**
 * Of a plan and its alternatives (the query's equalities on other fields, planQuery.ts): the one
 * expected to read the fewest entries and documents. Each is counted from its value counters (a
 * small read, remembered for a few seconds); the smallest count bounds the matches, so a plan
 * that walks in the query's order reads about `want` of its entries per match found. Without
 * alternatives, or when they cannot be counted by value, the plan is kept as it is.
 */
export async function leastEntriesPlan(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: IndexPlan,
  want: number,
  needsTotal: boolean,
): Promise<IndexPlan> {
  const { alternatives, ...first } = plan
  const counted = (alternatives ?? []).filter((each) => each.reads.every(countedByValue))
  if (counted.length === 0 || !first.reads.every(countedByValue)) {
    return first
  }
  const options = [first, ...counted]
  const entries = await Promise.all(
    options.map(async (each) => {
      const counts = await Promise.all(
        each.reads.map((read) => approximateEntries(adapter, namespace, read)),
      )
      return counts.reduce((sum, count) => sum + count, 0)
    }),
  )
  const matches = Math.max(1, Math.min(...entries))
  // A plan in the query's order stops after `want` matches unless a total is needed.
  const read = (each: IndexPlan, count: number) =>
    each.ordered && Number.isFinite(want) && !needsTotal
      ? Math.min(count, Math.ceil(((want + 1) * count) / matches))
      : count
  // Of two reading as much, the one whose entries are exactly the matches (counted, not fetched).
  const cost = (i: number) => read(options[i], entries[i]) - (options[i].exactCount ? 0.5 : 0)
  let best = 0
  options.forEach((_, i) => {
    if (cost(i) < cost(best)) {
      best = i
    }
  })
  return options[best]
}

/**
 * Below this many RCU a whole partition read is as cheap as any plan: the index plan is kept
 * without spending a request on counting its candidates.
 */
const SMALL_PARTITION_RCU = 4

/**
 * For an index plan that must fetch every candidate (no order to stop early in): counts the
 * candidates (value counters or a keys-only count) and reads the namespace's partition instead
 * when that costs less capacity (BatchGetItem bills every document as at least 4 KB; a Query
 * bills the bytes it reads). The namespace's size comes from its counter, remembered for a few
 * seconds; a namespace small enough to be read whole for a few RCU is not weighed at all.
 */
export async function weighCandidates(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Extract<Plan, { kind: 'index' }>,
  /** The leading matches wanted (a page), when the plan may walk the sort field's index. */
  want = Number.POSITIVE_INFINITY,
): Promise<Weighed> {
  const bytes = documentBytes(adapter, namespace)
  const ranges = plan.reads.reduce((sum, read) => sum + read.ranges.length, 0)
  const documents = await approximateDocumentCount(adapter, namespace)
  const viaPartition = partitionCost(documents, bytes, adapter.consistentRead)
  if (viaPartition.rcu <= SMALL_PARTITION_RCU) {
    return { plan }
  }
  const entries = await Promise.all(
    plan.reads.map((read) => approximateEntries(adapter, namespace, read)),
  )
  const candidates = entries.reduce((sum, count) => sum + count, 0)
  const viaIndex = candidatesCost(candidates, bytes, adapter.consistentRead, ranges)
  const walk = plan.sortWalk && Number.isFinite(want) ? plan.sortWalk : undefined
  if (walk && documents > 0) {
    const matchRate = Math.min(1, candidates / documents)
    const viaWalk = walkCost(
      want,
      matchRate,
      documents,
      bytes,
      adapter.consistentRead,
      plan.exactCount,
    )
    const cheapest = [viaIndex, viaPartition].every(
      (other) =>
        viaWalk.rcu < other.rcu || (viaWalk.rcu === other.rcu && viaWalk.requests < other.requests),
    )
    if (cheapest && candidates > 0) {
      return {
        estimate: viaWalk,
        plan: {
          countRead: plan.exactCount ? plan.reads[0] : undefined,
          descending: plan.descending,
          exactCount: false,
          kind: 'index',
          matchRate,
          ordered: true,
          ordering: { from: 0, to: 1 },
          reads: [walk],
        },
      }
    }
  }
  const partitionWins =
    viaPartition.rcu < viaIndex.rcu ||
    (viaPartition.rcu === viaIndex.rcu && viaPartition.requests < viaIndex.requests)
  if (!partitionWins) {
    return { estimate: viaIndex, plan }
  }
  return {
    estimate: viaPartition,
    plan: {
      descending: plan.descending,
      kind: 'partition',
      ordered: false,
      reason: `reading the ${documents} documents (about ${viaPartition.rcu} RCU) costs less than fetching ${candidates} candidates from "${plan.reads[0].definition.name}" (about ${viaIndex.rcu} RCU)`,
    },
  }
}

/** The estimate of plans that are not weighed (a page in index order, ids, nothing). */
export function plainEstimate(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Plan,
  want: number,
): CostEstimate | undefined {
  const bytes = documentBytes(adapter, namespace)
  switch (plan.kind) {
    case 'byID':
      return fetchCost(plan.ids.length, bytes, adapter.consistentRead)
    case 'empty':
      return NO_COST
    case 'index': {
      const ranges = plan.reads.reduce((sum, read) => sum + read.ranges.length, 0)
      return Number.isFinite(want)
        ? orderedPageCost(want, bytes, adapter.consistentRead, ranges)
        : undefined
    }
    default:
      return undefined
  }
}

/** What fetching `candidates` documents of an index plan costs, with the entries read. */
export function knownCandidatesCost(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Extract<Plan, { kind: 'index' }>,
  candidates: number,
): CostEstimate {
  const ranges = plan.reads.reduce((sum, read) => sum + read.ranges.length, 0)
  return candidatesCost(
    candidates,
    documentBytes(adapter, namespace),
    adapter.consistentRead,
    ranges,
  )
}
