import { randomUUID } from 'node:crypto'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { counterEpochs, indexGenerations } from '../indexes/indexEras.js'
import { knownIndexVersion, maintainedIndexes, shardCondition } from '../indexes/indexRecord.js'
import {
  countedIndexes,
  counterPartition,
  coverageToken,
  shardOf,
} from '../indexes/valueCounters.js'
import { counterKey } from '../keys/counterKey.js'
import type { WriteAction } from '../transactions/transactWrite.js'

/**
 * The value counters a split write's counts were computed for: per counted index, its counters'
 * partition (without locale) and what identifies them (shape, generation, epoch). The counts it
 * moves after its document (splitGroup.ts) are applied only to counters still identified so: an
 * index dropped meanwhile had its counters deleted (a count sent after would outlive it and be
 * off once the index is built again), a rebuilt or reshaped one counts the stored document afresh.
 */
export type CountedAt = {
  counters: { partition: string; token: string }[]
  /** The index record's version they were computed under. */
  version: number
}

export function countedAt(adapter: DynamoDBAdapter, namespace: Namespace): CountedAt {
  const generations = indexGenerations(adapter, namespace)
  const epochs = counterEpochs(adapter, namespace)
  const counters = countedIndexes(maintainedIndexes(adapter, namespace)).map((definition) => {
    const epoch = epochs.get(definition.name) ?? 0
    return {
      partition: counterPartition(namespace, definition, undefined, epoch),
      token: `${coverageToken(definition, generations)}\u0000${epoch}`,
    }
  })
  return { counters, version: knownIndexVersion(adapter, namespace) }
}

const guardKey = ({ partition, token }: CountedAt['counters'][number]) =>
  `${partition}\u0001${token}`

/**
 * `actions` without the counts of indexes no longer counted as in `then` (counted `now`). Under
 * the same record version nothing is left out: the record check then holds only if nothing moved.
 */
export function stillCounted(
  actions: WriteAction[],
  then: CountedAt,
  now: CountedAt,
): WriteAction[] {
  if (now.version === then.version) {
    return actions
  }
  const current = new Set(now.counters.map(guardKey))
  return actions.filter((action) => {
    if (action.type !== 'add') {
      return true
    }
    const pk = action.key.pk
    const owner = then.counters.find(
      ({ partition }) => pk === partition || pk.startsWith(`${partition}#`),
    )
    return owner === undefined || current.has(guardKey(owner))
  })
}

/**
 * A check that holds only while the namespace's index record is the one this process knows (its
 * counter shard for `writeID` was not moved on by an index change since). It also stamps that
 * shard: the value counts the request moves change what a measurement of the counters reads
 * (`repairValueCounters` acts only when no stamp moved while it read).
 */
export function recordCheck(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  writeID: string,
): Extract<WriteAction, { type: 'add' }> {
  return {
    amount: 0,
    attribute: 'count',
    condition: shardCondition(adapter, namespace),
    key: counterKey(namespace.pk, shardOf(writeID, adapter.counterShards)),
    stamp: randomUUID(),
    type: 'add',
  }
}
