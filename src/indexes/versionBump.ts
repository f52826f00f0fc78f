import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { counterKey } from '../keys/counterKey.js'
import { send } from '../storage/send.js'
import { jitteredDelay, MAX_TRANSACTION_ACTIONS } from '../transactions/transactWrite.js'

/** The namespace's state item: index record, build state, read lease (indexRecord.ts). */
export const STATE_SK = 'M#indexes'
/** The version that moves with every index change and lease taking (indexRecord.ts). */
export const INDEX_VERSION_ATTRIBUTE = 'iv'
/** The shard counts of the processes that connected (indexRecord.ts). */
export const SHARD_COUNTS_ATTRIBUTE = 'sc'

/** The namespace's state item as stored now (strongly consistent), if any. */
export async function getStateItem(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): Promise<Record<string, unknown> | undefined> {
  const read = await send<{ Item?: Record<string, unknown> }>(
    adapter,
    new GetCommand({
      ConsistentRead: true,
      Key: { pk: namespace.pk, sk: STATE_SK },
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  return read.Item
}

/** What a caller changes on the state item besides the version (placeholders of its own). */
export type StateChange = {
  adds?: string[]
  /** A condition of the caller's own on the state item (a lease free to take, say). */
  condition?: string
  names?: Record<string, string>
  removes?: string[]
  sets?: string[]
  values?: Record<string, unknown>
}

/** Reads of the state item before giving the one-transaction bump up. */
const ATTEMPTS = 8

const numberOf = (value: unknown) => (typeof value === 'number' ? value : 0)

/**
 * Moves the namespace's version on with `change`, and copies the new version onto every counter
 * shard any writer uses (the shard counts listed in the state item), in one TransactWriteItems
 * conditioned on the version and the list as read: no process can read the new state item while
 * a writer that has not read it still passes its shard condition. Another change of the version
 * or the list meanwhile makes it read again.
 *
 * Returns the state item as read and the new version; `refused` when the caller's own condition
 * failed; undefined when the shards do not fit in one transaction, a shard is ahead of the state
 * item (another process emptied the table) or the attempts ran out, for the caller to take the
 * two-step way (the state item, then the shards).
 */
export async function bumpAtomically(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  change: StateChange,
): Promise<{ item: Record<string, unknown>; version: number } | 'refused' | undefined> {
  const Key = { pk: namespace.pk, sk: STATE_SK }
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const item = (await getStateItem(adapter, namespace)) ?? {}
    const version = numberOf(item[INDEX_VERSION_ATTRIBUTE])
    const listed = item[SHARD_COUNTS_ATTRIBUTE]
    const counts = listed instanceof Set ? [...(listed as Set<number>)].map(Number) : []
    const shards = Math.max(adapter.counterShards, ...counts)
    if (shards + 1 > MAX_TRANSACTION_ACTIONS) {
      return undefined
    }
    const next = version + 1
    const asRead = [
      version === 0 ? 'attribute_not_exists(#iv)' : '#iv = :iv',
      counts.length === 0 ? 'attribute_not_exists(#sc)' : 'size(#sc) = :listed',
    ]
    try {
      await send(
        adapter,
        new TransactWriteCommand({
          // The SDK's retry of an applied request whose answer was lost is not applied again.
          ClientRequestToken: randomUUID(),
          ReturnConsumedCapacity: 'TOTAL',
          TransactItems: [
            {
              Update: {
                ConditionExpression: [
                  ...asRead,
                  ...(change.condition ? [`(${change.condition})`] : []),
                ].join(' AND '),
                ExpressionAttributeNames: {
                  ...change.names,
                  '#iv': INDEX_VERSION_ATTRIBUTE,
                  '#sc': SHARD_COUNTS_ATTRIBUTE,
                },
                ExpressionAttributeValues: {
                  ...change.values,
                  ':next': next,
                  ...(version === 0 ? {} : { ':iv': version }),
                  ...(counts.length === 0 ? {} : { ':listed': counts.length }),
                },
                Key,
                TableName: adapter.tableName,
                UpdateExpression: [
                  `SET ${[...(change.sets ?? []), '#iv = :next'].join(', ')}`,
                  change.removes?.length ? `REMOVE ${change.removes.join(', ')}` : '',
                  change.adds?.length ? `ADD ${change.adds.join(', ')}` : '',
                ]
                  .filter(Boolean)
                  .join(' '),
              },
            },
            ...Array.from({ length: shards }, (_, shard) => ({
              Update: {
                ConditionExpression: 'attribute_not_exists(#iv) OR #iv < :next',
                ExpressionAttributeNames: { '#iv': INDEX_VERSION_ATTRIBUTE },
                ExpressionAttributeValues: { ':next': next },
                Key: counterKey(namespace.pk, shard),
                TableName: adapter.tableName,
                UpdateExpression: 'SET #iv = :next',
              },
            })),
          ],
        }),
      )
      return { item, version: next }
    } catch (error) {
      if ((error as { name?: string }).name !== 'TransactionCanceledException') {
        throw error
      }
      const reasons =
        (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []
      if (reasons.slice(1).some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        // A shard ahead of the state item: the two-step way never lowers it.
        return undefined
      }
      if (!reasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) {
        // Only conflicts with writers' transactions on the shards (frequent on a busy table):
        // wait before reading again rather than falling back to the two-step way.
        await jitteredDelay(attempt + 1)
        continue
      }
      if (reasons[0]?.Code === 'ConditionalCheckFailed' && change.condition) {
        const now = (await getStateItem(adapter, namespace)) ?? {}
        const unchanged =
          numberOf(now[INDEX_VERSION_ATTRIBUTE]) === version &&
          (now[SHARD_COUNTS_ATTRIBUTE] instanceof Set
            ? (now[SHARD_COUNTS_ATTRIBUTE] as Set<number>).size
            : 0) === counts.length
        if (unchanged) {
          return 'refused'
        }
      }
    }
  }
  return undefined
}
