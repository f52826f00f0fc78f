import { GetCommand } from '@aws-sdk/lib-dynamodb'

import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { send } from '../storage/send.js'
import {
  INDEX_VERSION_ATTRIBUTE,
  knownIndexVersion,
  raiseIndexVersion,
  STATE_SK,
} from './indexRecord.js'

/**
 * Restores "no counter shard carries a newer index version than the state item" where it broke:
 * a shard bumped after the table was emptied by a process that did not wait for the bump (another
 * process's `migrate:fresh`) keeps its version while the state item starts again from 0, and every
 * write of the namespace would fail its shard condition however often it reloads the record.
 * Raises the state item's version to the shard's (never lowers it); says whether it did.
 */
export async function liftIndexVersion(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  shard: ItemKey,
): Promise<boolean> {
  const out = await send<{ Item?: Record<string, unknown> }>(
    adapter,
    new GetCommand({
      ConsistentRead: true,
      Key: shard,
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  const version = out.Item?.[INDEX_VERSION_ATTRIBUTE]
  if (typeof version !== 'number' || version <= knownIndexVersion(adapter, namespace)) {
    return false
  }
  // Not when raised meanwhile (another writer lifted it, or an index change moved it on).
  await raiseIndexVersion(adapter, { pk: namespace.pk, sk: STATE_SK }, version)
  adapter.payload.logger.warn(
    `payload-db-dynamodb: the index version of ${namespace.pk} was behind its counter shard ${shard.sk} (the table was emptied while a process bumped the shards); raised to ${version}.`,
  )
  return true
}
