import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { COUNTER_SK, counterKey } from '../keys/counterKey.js'
import { DOCUMENT_SK_PREFIX } from '../keys/itemKeys.js'
import { keyOf } from '../namespaces.js'
import { consistentReader } from '../storage/consistentReader.js'
import { isConditionFailure } from '../storage/errors.js'
import { iteratePartition } from '../storage/documentStore.js'
import { readStamp, stampAction } from '../storage/namespaceStamp.js'
import { countedIn, lockedBy, revisionOf } from '../storage/revisions.js'
import { transactWrite, type WriteCondition } from '../transactions/transactWrite.js'
import { counterEpochs, indexGenerations, queryableIndexes } from './buildState.js'
import { stillCountedCondition } from './buildRecordGuard.js'
import { STATE_SK } from './versionBump.js'
import { localeCodes } from './registry.js'
import { localesFor } from './entries.js'
import {
  counterPartition,
  countedIndexes,
  coverageToken,
  valueCounterKey,
} from './valueCounters.js'
import { queryPartition } from './verify.js'
import { ExpectedValueCounts } from './verifyCounters.js'

/**
 * The counters' part of `repairIndexes`: the collection counter and the value counters, each
 * measured between two equal reads of the collection's counter items (every write of a document
 * stamps one of them in its own transaction, storage/namespaceStamp.ts) and corrected by the
 * difference on one item, conditioned on that item as read.
 */

/** Indexes whose state one condition checks (each adds about 150 bytes to the expression). */
const INDEXES_PER_CHECK = 16

/** Measurements attempted before giving up (the collection kept changing). */
const COUNTER_ATTEMPTS = 5

/** Waits before a measurement that follows an unsettled one (none before the first). */
async function settleDelay(attempt: number): Promise<void> {
  if (attempt > 0) {
    await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt * (0.5 + Math.random())))
  }
}

/**
 * Moves a counter item by `difference` from the count it had when it was read (`was`; undefined:
 * no count). False when it moved meanwhile (a writer after the measurement, or a second repair),
 * or when `state`, a condition on the namespace's state item checked in the same transaction
 * (value counters: `stillCountedCondition`), no longer holds.
 */
async function setFromRead(
  adapter: DynamoDBAdapter,
  key: ItemKey,
  was: number | undefined,
  difference: number,
  state?: { condition: WriteCondition; key: ItemKey },
): Promise<boolean> {
  const names = { '#count': 'count' }
  try {
    await transactWrite(adapter, [
      ...(state ? [{ condition: state.condition, key: state.key, type: 'check' as const }] : []),
      {
        condition:
          was === undefined
            ? { expression: 'attribute_not_exists(#count)', names }
            : { expression: '#count = :was', names, values: { ':was': was } },
        key,
        set: { count: (was ?? 0) + difference },
        type: 'set',
      },
    ])
    return true
  } catch (error) {
    if (!isConditionFailure(error)) {
      throw error
    }
    return false
  }
}

/**
 * Sets the counter to the number of documents, when they differ.
 *
 * DynamoDB has no snapshot of a partition, so under traffic a count is a moving target. A
 * measurement reads the namespace's counter items, the document keys, and the counter items
 * again; it counts only when both reads of the counter items are the same, which every write of
 * a document prevents (each stamps one of them in its own transaction: storage/namespaceStamp.ts),
 * also creates and deletes that cancel out on the count. The base item then takes the difference
 * (`SET count = :n`), conditioned on the base as read (a second repair makes it fail and the
 * measurement start over); writes after the measurement add to the shards, which the difference
 * leaves as they are, so the total stays exact. Under steady writes the counter may stay
 * unsettled (`counterUnsettled`): run the repair again later. Processes of an earlier version do
 * not stamp updates (which do not move the count either).
 */
export async function repairCounter(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  pageSize: number,
): Promise<{ from: number; to: number } | 'right' | 'unsettled'> {
  const documentKeys = async (): Promise<Set<string>> => {
    const keys = new Set<string>()
    for await (const items of queryPartition(adapter, namespace.pk, {
      keysOnly: true,
      pageSize,
      prefix: DOCUMENT_SK_PREFIX,
    })) {
      items.forEach((item) => keys.add(String(item.sk)))
    }
    return keys
  }
  for (let attempt = 0; attempt < COUNTER_ATTEMPTS; attempt++) {
    await settleDelay(attempt)
    // Every write of a document stamps a counter item in its own transaction: counter items that
    // read the same before and after the keys were read mean no write was committed in between.
    const before = await readStamp(adapter, namespace.pk)
    const first = await documentKeys()
    if ((await readStamp(adapter, namespace.pk)).stamp !== before.stamp) {
      continue
    }
    const counter = before.items.length > 0 ? before.count : undefined
    const base = before.items.find((item) => item.sk === COUNTER_SK)?.count
    if (counter === first.size) {
      return 'right'
    }
    // The base item takes the difference; the condition is on the base as read.
    if (await setFromRead(adapter, counterKey(namespace.pk), base, first.size - (counter ?? 0))) {
      return { from: counter ?? 0, to: first.size }
    }
  }
  return 'unsettled'
}

/**
 * Sets the value counters of a namespace's built indexes to what its documents hold, while the
 * application writes. A measurement reads the namespace's counter items, every document and every
 * value counter, then the counter items again; it counts only when both reads are the same (every
 * write of a document stamps one of them in its own transaction, storage/namespaceStamp.ts).
 * Each value that is off then takes the difference on its first shard, conditioned on that shard
 * as read, so writes after the measurement, which move the counters by their own differences,
 * stay counted and a second repair at the same time makes the first start over.
 *
 * A document not marked as counted in a built index (its `ix` lacks the index's token: written by
 * a process that did not know the index) is marked first, conditioned on its revision: writers
 * move a value counter down only for documents marked counted in it.
 */
export async function repairValueCounters(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  pageSize: number,
  /** Whose counters: the built indexes unless a rebuild names its own. */
  indexes: IndexDefinition[] = queryableIndexes(adapter, namespace),
): Promise<{ fixed: number } | 'unsettled'> {
  const built = countedIndexes(indexes)
  const generations = indexGenerations(adapter, namespace)
  const tokens = built.map((definition) => coverageToken(definition, generations))
  const epochs = counterEpochs(adapter, namespace)
  // A condition per few indexes: DynamoDB caps an expression at 4 KB (about 27 indexes).
  const stateOf = (definitions: IndexDefinition[]) => {
    const condition = stillCountedCondition(definitions, generations, epochs)
    return condition && { condition, key: { pk: namespace.pk, sk: STATE_SK } }
  }
  const stateHoldsForAll = async () => {
    for (let start = 0; start < built.length; start += INDEXES_PER_CHECK) {
      const state = stateOf(built.slice(start, start + INDEXES_PER_CHECK))
      if (state && !(await stateHolds(adapter, state))) {
        return false
      }
    }
    return true
  }
  const locales = localeCodes(adapter)
  /** The index whose counters a counter partition holds. */
  const indexOf = (pk: string) =>
    built.find((definition) =>
      localesFor(definition, locales).some(
        (locale) =>
          counterPartition(namespace, definition, locale, epochs.get(definition.name)) === pk,
      ),
    )
  for (let attempt = 0; attempt < COUNTER_ATTEMPTS; attempt++) {
    await settleDelay(attempt)
    const before = await readStamp(adapter, namespace.pk)
    const expected = new ExpectedValueCounts(
      namespace,
      built,
      localeCodes(adapter),
      counterEpochs(adapter, namespace),
    )
    if (attempt > 0 && !(await stateHoldsForAll())) {
      // Dropped, rebuilt or recounted by another process meanwhile: nothing here is its to fix.
      return 'unsettled'
    }
    let marked = 0
    let locked = false
    // Strongly consistent: the differences are computed from what is read.
    for await (const page of iteratePartition(consistentReader(adapter), namespace.pk, {
      pageSize,
    })) {
      page.docs.forEach((doc) => expected.add(doc))
      locked ||= page.docs.some((doc) => lockedBy(doc) !== undefined)
      const unmarked = page.docs.filter((doc) =>
        tokens.some((token) => !countedIn(doc).includes(token)),
      )
      marked += unmarked.length
      await markCounted(adapter, namespace, unmarked, tokens)
    }
    if (marked > 0 || locked) {
      // The marks moved the stamp: measure again, now that every document counts. A locked
      // document's write may still move its counts (a split document's deferred requests, applied
      // without a new stamp once its journal is finished): fixing them now would count it twice.
      continue
    }
    const drift = await expected.drift(adapter)
    if ((await readStamp(adapter, namespace.pk)).stamp !== before.stamp) {
      continue
    }
    let fixed = 0
    for (const value of drift) {
      const firstShard = valueCounterKey(`${value.pk}\u0000${value.sk}`, 0)
      if (
        await setFromRead(
          adapter,
          firstShard,
          value.firstShard,
          value.documents - value.counted,
          stateOf([indexOf(value.pk)].filter((each) => each !== undefined)),
        )
      ) {
        fixed++
      }
    }
    if (fixed === drift.length) {
      return { fixed }
    }
  }
  return 'unsettled'
}

/** Whether the state item still meets `state.condition` (a lone check, writing nothing). */
async function stateHolds(
  adapter: DynamoDBAdapter,
  state: { condition: WriteCondition; key: ItemKey },
): Promise<boolean> {
  try {
    await transactWrite(adapter, [{ condition: state.condition, key: state.key, type: 'check' }])
    return true
  } catch (error) {
    if (!isConditionFailure(error)) {
      throw error
    }
    return false
  }
}

/** Adds a document's missing tokens to its `ix`, if it is still at the revision read. */
async function markCounted(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  docs: { id: number | string }[],
  tokens: string[],
): Promise<void> {
  for (const doc of docs) {
    const revision = revisionOf(doc)
    try {
      await transactWrite(adapter, [
        {
          condition:
            revision === undefined
              ? { expression: 'attribute_exists(pk) AND attribute_not_exists(rev)' }
              : { expression: 'rev = :rev', values: { ':rev': revision } },
          key: keyOf(namespace, doc.id),
          set: {
            ix: [...new Set([...countedIn(doc), ...tokens])].sort(),
            rev: (revision ?? 0) + 1,
          },
          type: 'set',
        },
        // The document item changed: readers holding the namespace must see it.
        stampAction(adapter, namespace),
      ])
    } catch (error) {
      // Changed meanwhile (its writer marked it) or gone: the next measurement sees it.
      if ((error as { name?: string }).name !== 'TransactionCanceledException') {
        throw error
      }
    }
  }
}
