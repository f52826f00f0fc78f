import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { indexGenerations } from './buildState.js'

import { keyOf } from '../namespaces.js'
import { batchDeleteItems, batchWriteItems, iteratePartition } from '../storage/documentStore.js'
import { clearPartition } from '../storage/indexStore.js'
import { stampAction } from '../storage/namespaceStamp.js'
import { countedIn, revisionOf } from '../storage/revisions.js'
import {
  MAX_TRANSACTION_ACTIONS,
  transactWrite,
  type WriteAction,
} from '../transactions/transactWrite.js'
import { localesFor } from './entries.js'
import { localeCodes } from './registry.js'
import {
  countedIndexes,
  countedValues,
  counterPartition,
  coverageOf,
  valueCounterKey,
} from './valueCounters.js'

/**
 * Sets the value counters of a namespace from its documents (for `rebuildIndexes`, an offline
 * tool like the rest of it): every document is marked counted in every index (`ix`), the old
 * counters are deleted and each value's count is written to its first shard.
 */
export async function recountValueCounters(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
): Promise<void> {
  const counted = countedIndexes(definitions)
  const locales = localeCodes(adapter)
  const coverage = coverageOf(definitions, indexGenerations(adapter, namespace))
  const counts = new Map<string, number>()
  for await (const page of iteratePartition(adapter, namespace.pk, { pageSize: 100 })) {
    const stale = page.docs.filter((doc) => countedIn(doc).join() !== coverage.join())
    // Marked counted in every index, revision moved on (a writer who read it before recomputes).
    for (let start = 0; start < stale.length; start += MAX_TRANSACTION_ACTIONS - 1) {
      await transactWrite(adapter, [
        ...stale.slice(start, start + MAX_TRANSACTION_ACTIONS - 1).map((doc): WriteAction => ({
          key: keyOf(namespace, doc.id),
          set: { ix: coverage, rev: (revisionOf(doc) ?? 0) + 1 },
          type: 'set',
        })),
        // Document items change: readers holding the namespace must see it.
        stampAction(adapter, namespace),
      ])
    }
    for (const doc of page.docs) {
      for (const definition of counted) {
        for (const value of countedValues(namespace, definition, locales, doc)) {
          counts.set(value, (counts.get(value) ?? 0) + 1)
        }
      }
    }
  }
  for (const definition of counted) {
    for (const locale of localesFor(definition, locales)) {
      await clearPartition(adapter, counterPartition(namespace, definition, locale), (keys) =>
        batchDeleteItems(adapter, keys),
      )
    }
  }
  await batchWriteItems(
    adapter,
    [...counts].map(([value, count]) => ({
      PutRequest: { Item: { ...valueCounterKey(value, 0), count } },
    })),
  )
}
