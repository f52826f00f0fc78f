import { UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { keyOf } from '../namespaces.js'
import { iteratePartition } from '../storage/documentStore.js'
import { readStamp, stampAction } from '../storage/namespaceStamp.js'
import { countedIn, revisionOf } from '../storage/revisions.js'
import { send } from '../storage/send.js'
import { transactWrite } from '../transactions/transactWrite.js'
import { indexGenerations, queryableIndexes } from './buildState.js'
import { localeCodes } from './registry.js'
import { countedIndexes, coverageToken, valueCounterKey } from './valueCounters.js'
import { ExpectedValueCounts } from './verifyCounters.js'

const ATTEMPTS = 5

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
): Promise<{ fixed: number } | 'unsettled'> {
  const built = countedIndexes(queryableIndexes(adapter, namespace))
  const generations = indexGenerations(adapter, namespace)
  const tokens = built.map((definition) => coverageToken(definition, generations))
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) {
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt * (0.5 + Math.random())))
    }
    const before = await readStamp(adapter, namespace.pk)
    const expected = new ExpectedValueCounts(namespace, built, localeCodes(adapter))
    let marked = 0
    for await (const page of iteratePartition(adapter, namespace.pk, { pageSize })) {
      page.docs.forEach((doc) => expected.add(doc))
      const unmarked = page.docs.filter((doc) =>
        tokens.some((token) => !countedIn(doc).includes(token)),
      )
      marked += unmarked.length
      await markCounted(adapter, namespace, unmarked, tokens)
    }
    if (marked > 0) {
      // The marks moved the stamp: measure again, now that every document counts.
      continue
    }
    const drift = await expected.drift(adapter)
    if ((await readStamp(adapter, namespace.pk)).stamp !== before.stamp) {
      continue
    }
    let fixed = 0
    for (const value of drift) {
      if (await addToFirstShard(adapter, value)) {
        fixed++
      }
    }
    if (fixed === drift.length) {
      return { fixed }
    }
  }
  return 'unsettled'
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

/** The value's difference on its first shard, conditioned on that shard as read. */
async function addToFirstShard(
  adapter: DynamoDBAdapter,
  value: { counted: number; documents: number; firstShard?: number; pk: string; sk: string },
): Promise<boolean> {
  try {
    await send(
      adapter,
      new UpdateCommand({
        ConditionExpression:
          value.firstShard === undefined ? 'attribute_not_exists(#count)' : '#count = :was',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':n': (value.firstShard ?? 0) + value.documents - value.counted,
          ...(value.firstShard === undefined ? {} : { ':was': value.firstShard }),
        },
        Key: valueCounterKey(`${value.pk}\u0000${value.sk}`, 0),
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
        UpdateExpression: 'SET #count = :n',
      }),
    )
    return true
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') {
      throw error
    }
    return false
  }
}
