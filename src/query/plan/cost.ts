/**
 * What a plan is expected to cost, in DynamoDB's billing terms. A Query is billed per 4 KB of
 * items read (summed over the response), a BatchGetItem per item (each rounded up to 4 KB), so
 * fetching many small documents by key costs more than reading them in one Query of their
 * partition: the planner compares both before fetching a large candidate set.
 */
export type CostEstimate = {
  /** Items DynamoDB is expected to read (entries, counters and documents). */
  items: number
  /** Read capacity units. */
  rcu: number
  requests: number
}

/** Bytes of an index entry (keys, id, createdAt). */
const ENTRY_BYTES = 120
const UNIT_BYTES = 4096
/** A Query or Scan page ends at 1 MB. */
const PAGE_BYTES = 1024 * 1024
const BATCH_GET_KEYS = 100

const units = (bytes: number) => Math.max(1, Math.ceil(bytes / UNIT_BYTES))
const rate = (consistent: boolean) => (consistent ? 1 : 0.5)

export const NO_COST: CostEstimate = { items: 0, rcu: 0, requests: 0 }

export function addCosts(...costs: CostEstimate[]): CostEstimate {
  return costs.reduce(
    (sum, cost) => ({
      items: sum.items + cost.items,
      rcu: sum.rcu + cost.rcu,
      requests: sum.requests + cost.requests,
    }),
    NO_COST,
  )
}

/** Reading `count` items of `bytes` each with Query (`ranges` separate key ranges). */
export function queryCost(
  count: number,
  bytes: number,
  consistent: boolean,
  ranges = 1,
): CostEstimate {
  const total = count * bytes
  return {
    items: count,
    rcu: units(total) * rate(consistent),
    requests: Math.max(ranges, Math.ceil(total / PAGE_BYTES)),
  }
}

/** Fetching `count` documents of `bytes` each by key (BatchGetItem). */
export function fetchCost(count: number, bytes: number, consistent: boolean): CostEstimate {
  if (count === 0) {
    return NO_COST
  }
  return {
    items: count,
    rcu: count * units(bytes) * rate(consistent),
    requests: Math.ceil(count / BATCH_GET_KEYS),
  }
}

/** Reading index entries and then fetching every candidate document. */
export function candidatesCost(
  entries: number,
  documentBytes: number,
  consistent: boolean,
  ranges = 1,
): CostEstimate {
  return addCosts(
    queryCost(entries, ENTRY_BYTES, consistent, ranges),
    fetchCost(entries, documentBytes, consistent),
  )
}

/** Reading a whole namespace partition. */
export function partitionCost(
  documents: number,
  documentBytes: number,
  consistent: boolean,
): CostEstimate {
  return queryCost(documents, documentBytes, consistent)
}

/** A page read in index order: one more entry than wanted, and the wanted documents. */
export function orderedPageCost(
  want: number,
  documentBytes: number,
  consistent: boolean,
  ranges = 1,
): CostEstimate {
  return addCosts(
    queryCost((want + 1) * ranges, ENTRY_BYTES, consistent, ranges),
    fetchCost(want, documentBytes, consistent),
  )
}

/**
 * Walking an index in sort order and checking each document: about `want / matchRate` entries
 * read and as many documents fetched (at most the namespace's `documents`), plus the total when
 * it is counted from another read (`countedTotal`: one small Query of value counters).
 */
export function walkCost(
  want: number,
  matchRate: number,
  documents: number,
  documentBytes: number,
  consistent: boolean,
  countedTotal: boolean,
): CostEstimate {
  const walked = Math.min(documents, Math.ceil((want + 1) / Math.max(matchRate, 1e-9)))
  return addCosts(
    queryCost(walked, ENTRY_BYTES, consistent),
    fetchCost(walked, documentBytes, consistent),
    countedTotal ? queryCost(1, ENTRY_BYTES, consistent) : NO_COST,
  )
}
