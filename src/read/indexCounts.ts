import type { Where } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { IndexRead, Plan } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { counterPartition, countedIndexes } from '../indexes/valueCounters.js'
import { countIndexRanges, readDocumentCount, readValueCounts } from '../storage/indexStore.js'

/** Whether a read's entries can be counted from value counters (equality / `in`). */
function countedByValue(read: IndexRead): boolean {
  return Boolean(read.points) && countedIndexes([read.definition]).length > 0
}

/**
 * How many entries one index read holds: from the value counters for equality / `in` (a few
 * items per value; for a multi-valued field an upper bound on the documents), else by counting
 * the entries of its ranges (keys only, `Select: COUNT`).
 */
export function countEntries(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  read: IndexRead,
): Promise<number> {
  if (countedByValue(read)) {
    return readValueCounts(
      adapter,
      counterPartition(namespace, read.definition, read.locale),
      read.ranges.map((range) => range.from),
    )
  }
  return countIndexRanges(adapter, read.pk, read.ranges)
}

/** For plans whose entries are exactly the matches: the namespace counter, or an index count. */
export function countFromIndex(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Extract<Plan, { kind: 'index' }>,
  where: undefined | Where,
): Promise<number> {
  if (!where || Object.keys(where).length === 0) {
    return readDocumentCount(adapter, namespace.pk)
  }
  return countEntries(adapter, namespace, plan.reads[0])
}

/** How many documents a namespace holds, remembered for a few seconds (for estimates only). */
const sizes = new WeakMap<object, Map<string, { at: number; documents: number }>>()
const SIZE_TTL_MS = 10_000

export async function approximateDocumentCount(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): Promise<number> {
  const perAdapter = sizes.get(adapter) ?? new Map<string, { at: number; documents: number }>()
  sizes.set(adapter, perAdapter)
  const known = perAdapter.get(namespace.pk)
  if (known && Date.now() - known.at < SIZE_TTL_MS) {
    return known.documents
  }
  const documents = await readDocumentCount(adapter, namespace.pk)
  perAdapter.set(namespace.pk, { at: Date.now(), documents })
  return documents
}
