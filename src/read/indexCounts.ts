import type { Where } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { IndexRead, Plan } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { counterEpochs } from '../indexes/buildState.js'
import { counterPartition, countedIndexes } from '../indexes/valueCounters.js'
import { countIndexRanges, readDocumentCount, readValueCounts } from '../storage/indexStore.js'

/** Whether a read's entries can be counted from value counters (equality / `in`). */
export function countedByValue(read: IndexRead): boolean {
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
      counterPartition(
        namespace,
        read.definition,
        read.locale,
        counterEpochs(adapter, namespace).get(read.definition.name),
      ),
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

/**
 * Counts remembered for a few seconds, for estimates only (which plan to take), never for an
 * answer: a namespace's size, and how many entries an index read holds. A count is also
 * forgotten once this process has written more documents of its namespace than a quarter of the
 * namespace's size (at least a few) since: a collection being filled would otherwise be planned
 * for as empty, while the counts of a large one are not read again for every few writes.
 */
type Remembered = { at: number; count: number; namespacePk: string; writes: number }
const remembered = new WeakMap<object, Map<string, Remembered>>()
/**
 * The largest count remembered per namespace in the last few seconds (its size when that was
 * counted): a lower bound on the namespace's size, whichever of its counts is looked at.
 */
const largest = new WeakMap<object, Map<string, { at: number; count: number }>>()
const ESTIMATE_TTL_MS = 10_000
/** Beyond this many remembered counts per adapter, the oldest are forgotten. */
const MAX_REMEMBERED = 1_000
/** Writes to a namespace that any of its remembered counts outlives. */
const WRITES_SLACK = 4

/** Documents this process wrote per namespace (created, changed or deleted), by namespace pk. */
const written = new WeakMap<object, Map<string, number>>()

const writesTo = (adapter: DynamoDBAdapter, namespacePk: string) =>
  written.get(adapter)?.get(namespacePk) ?? 0

/** After a committed write: the documents it wrote, by their namespace's pk. */
export function noteDocumentsWritten(adapter: DynamoDBAdapter, namespacePks: string[]): void {
  if (namespacePks.length === 0) {
    return
  }
  const perAdapter = written.get(adapter) ?? new Map<string, number>()
  written.set(adapter, perAdapter)
  for (const pk of namespacePks) {
    perAdapter.set(pk, (perAdapter.get(pk) ?? 0) + 1)
  }
}

/**
 * Forgets every count remembered for `adapter`: the next estimates are counted again. For tests
 * that look at requests, so that no count remembered by an earlier step expires halfway through.
 */
export function forgetRememberedCounts(adapter: DynamoDBAdapter): void {
  remembered.delete(adapter)
  largest.delete(adapter)
}

/** The count remembered under `name`, if it is recent enough. */
function freshCount(adapter: DynamoDBAdapter, name: string): number | undefined {
  const known = remembered.get(adapter)?.get(name)
  if (!known || Date.now() - known.at >= ESTIMATE_TTL_MS) {
    return undefined
  }
  const size = Math.max(known.count, sizeHint(adapter, known.namespacePk))
  return writesTo(adapter, known.namespacePk) - known.writes <= Math.max(WRITES_SLACK, size / 4)
    ? known.count
    : undefined
}

function sizeHint(adapter: DynamoDBAdapter, namespacePk: string): number {
  const hint = largest.get(adapter)?.get(namespacePk)
  return hint && Date.now() - hint.at < ESTIMATE_TTL_MS ? hint.count : 0
}

function noteSize(adapter: DynamoDBAdapter, namespacePk: string, count: number): void {
  const perAdapter = largest.get(adapter) ?? new Map<string, { at: number; count: number }>()
  largest.set(adapter, perAdapter)
  if (count >= sizeHint(adapter, namespacePk)) {
    perAdapter.set(namespacePk, { at: Date.now(), count })
  }
}

async function rememberedCount(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  name: string,
  count: () => Promise<number>,
): Promise<number> {
  const known = freshCount(adapter, name)
  if (known !== undefined) {
    return known
  }
  const perAdapter = remembered.get(adapter) ?? new Map<string, Remembered>()
  remembered.set(adapter, perAdapter)
  const writes = writesTo(adapter, namespace.pk)
  const fresh = await count()
  perAdapter.delete(name)
  perAdapter.set(name, { at: Date.now(), count: fresh, namespacePk: namespace.pk, writes })
  noteSize(adapter, namespace.pk, fresh)
  if (perAdapter.size > MAX_REMEMBERED) {
    perAdapter.delete(perAdapter.keys().next().value as string)
  }
  return fresh
}

/** How many documents a namespace holds, as of at most a few seconds ago. */
export function approximateDocumentCount(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): Promise<number> {
  return rememberedCount(adapter, namespace, namespace.pk, () =>
    readDocumentCount(adapter, namespace.pk),
  )
}

const entriesName = (read: IndexRead) => `${read.pk}\u0000${JSON.stringify(read.ranges)}`

/** Whether the entries of `read` were counted a few seconds ago (weighing it costs no request). */
export function entriesRemembered(adapter: DynamoDBAdapter, read: IndexRead): boolean {
  return freshCount(adapter, entriesName(read)) !== undefined
}

/** How many entries an index read holds, as of at most a few seconds ago. */
export function approximateEntries(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  read: IndexRead,
): Promise<number> {
  return rememberedCount(adapter, namespace, entriesName(read), () =>
    countEntries(adapter, namespace, read),
  )
}
