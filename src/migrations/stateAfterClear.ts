import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { APIError } from 'payload'

import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'

import { readItem } from '../indexes/verify.js'
import { INDEX_VERSION_ATTRIBUTE, SHARD_COUNTS_ATTRIBUTE } from '../indexes/versionBump.js'
import { counterKey } from '../keys/counterKey.js'
import { LEASE_OWNER_ATTRIBUTE, LEASE_REVOKING_ATTRIBUTE } from '../leases/leaseRecord.js'
import { leaseHolderID } from '../leases/leaseState.js'
import { isConditionFailure } from '../storage/errors.js'
import { send } from '../storage/send.js'

/** Attempts before giving up on one state item that keeps changing under the reset. */
const ATTEMPTS = 8
/** What the reset is conditioned on: unchanged since it was read. */
const AS_READ = [
  INDEX_VERSION_ATTRIBUTE,
  SHARD_COUNTS_ATTRIBUTE,
  LEASE_OWNER_ATTRIBUTE,
  LEASE_REVOKING_ATTRIBUTE,
]

/**
 * A namespace's state item (`M#indexes`) once its other items are deleted: emptied as a new
 * namespace's (no index recorded), but with its version moved on rather than deleted. Processes
 * that lived through the clear still know the old version, and a writer passes its shard
 * condition while the shards' version is not above what it knows: had the version started
 * again from 0, a lease taken after the clear would bump the shards to a version such a writer
 * takes for one it has seen, and it would write without taking the lease back.
 *
 * Kept as well: the shard counts of the processes that connected (their shards are the ones a
 * bump must reach) and a lease held or being taken back (its holder may still answer from it),
 * unless it is this process's (forgotten before the clear) or carries the revocation the clear
 * set (`closedWith`: its holder was waited out, and nobody took the lease since). The clear's
 * cooldown goes: leases may be taken again.
 */
export async function resetStateItem(
  adapter: DynamoDBAdapter,
  key: ItemKey,
  closedWith?: string,
): Promise<void> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const item = await readItem(adapter, key)
    if (!item) {
      return
    }
    const over =
      item[LEASE_OWNER_ATTRIBUTE] === leaseHolderID(adapter) ||
      (closedWith !== undefined && item[LEASE_REVOKING_ATTRIBUTE] === closedWith)
    const kept = [
      SHARD_COUNTS_ATTRIBUTE,
      ...(over ? [] : [LEASE_OWNER_ATTRIBUTE, LEASE_REVOKING_ATTRIBUTE]),
    ]
    const names: Record<string, string> = {}
    const values: Record<string, unknown> = {}
    const asRead: string[] = []
    for (const [at, attribute] of AS_READ.entries()) {
      names[`#a${at}`] = attribute
      if (item[attribute] === undefined) {
        asRead.push(`attribute_not_exists(#a${at})`)
      } else if (attribute !== SHARD_COUNTS_ATTRIBUTE) {
        values[`:a${at}`] = item[attribute]
        asRead.push(`#a${at} = :a${at}`)
      } else {
        // The list only grows: one more count listed meanwhile changes its size.
        values[`:a${at}`] = (item[attribute] as Set<number>).size
        asRead.push(`size(#a${at}) = :a${at}`)
      }
    }
    const version = item[INDEX_VERSION_ATTRIBUTE]
    const next = (typeof version === 'number' ? version : 0) + 1
    try {
      await send(
        adapter,
        new PutCommand({
          ConditionExpression: asRead.join(' AND '),
          ExpressionAttributeNames: names,
          // DynamoDB refuses an empty map (nothing of these was stored).
          ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
          Item: {
            ...Object.fromEntries(
              kept.flatMap((attribute) =>
                item[attribute] === undefined ? [] : [[attribute, item[attribute]]],
              ),
            ),
            ...key,
            [INDEX_VERSION_ATTRIBUTE]: next,
          },
          ReturnConsumedCapacity: 'TOTAL',
          TableName: adapter.tableName,
        }),
      )
    } catch (error) {
      if (!isConditionFailure(error)) {
        throw error
      }
      continue
    }
    await bumpShards(adapter, key, item, next)
    return
  }
  throw new APIError(
    `The state item of ${key.pk} kept changing while the table was emptied; retry.`,
    503,
    undefined,
    true,
  )
}

/**
 * Puts the new version on the counter shards of every listed shard count (the clear deleted
 * them): a process that lived through the clear fails its next write's shard condition and reads
 * the emptied state item, instead of counting on in the epochs and generations it knew (value
 * counters of a rebuild's epoch, which no query reads any more).
 */
async function bumpShards(
  adapter: DynamoDBAdapter,
  key: ItemKey,
  item: Record<string, unknown>,
  version: number,
): Promise<void> {
  const listed = item[SHARD_COUNTS_ATTRIBUTE]
  const counts = listed instanceof Set ? [...(listed as Set<number>)].map(Number) : []
  const shards = Math.max(adapter.counterShards, ...counts)
  await Promise.all(
    Array.from({ length: shards }, async (_, shard) => {
      try {
        await send(
          adapter,
          new UpdateCommand({
            ConditionExpression: 'attribute_not_exists(#iv) OR #iv < :next',
            ExpressionAttributeNames: { '#iv': INDEX_VERSION_ATTRIBUTE },
            ExpressionAttributeValues: { ':next': version },
            Key: counterKey(key.pk, shard),
            ReturnConsumedCapacity: 'TOTAL',
            TableName: adapter.tableName,
            UpdateExpression: 'SET #iv = :next',
          }),
        )
      } catch (error) {
        // Ahead already: a change after the clear moved it on.
        if (!isConditionFailure(error)) {
          throw error
        }
      }
    }),
  )
}
