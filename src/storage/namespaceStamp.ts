import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { Namespace } from '../namespaces.js'
import type { WriteAction } from '../transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../types.js'

import { COUNTER_SK, counterKey, STAMP_ATTRIBUTE } from '../keys/counterKey.js'
import { send } from './send.js'

type Store = Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>

/** What a namespace's counter items say: how many documents it holds and whether it changed. */
export type NamespaceStamp = {
  count: number
  /**
   * Every counter item's key, count and stamp. Any write of the namespace's documents changes it
   * (a new unique stamp on one of the items, in the write's own transaction), and it never
   * returns to an earlier value: equal stamps mean no write was committed in between.
   */
  stamp: string
}

/**
 * Reads the namespace's counter items (the base one and its shards): one strongly consistent
 * Query of a few small items, whatever the namespace's size.
 */
export async function readStamp(adapter: Store, namespacePK: string): Promise<NamespaceStamp> {
  let count = 0
  const parts: string[] = []
  let startKey: Record<string, unknown> | undefined
  do {
    const out: QueryCommandOutput = await send<QueryCommandOutput>(
      adapter,
      new QueryCommand({
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ExpressionAttributeValues: {
          ':from': COUNTER_SK,
          ':pk': namespacePK,
          ':to': `${COUNTER_SK}\uffff`,
        },
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
    for (const item of out.Items ?? []) {
      const itemCount = typeof item.count === 'number' ? item.count : 0
      count += itemCount
      parts.push(`${String(item.sk)}=${itemCount}/${String(item[STAMP_ATTRIBUTE] ?? '')}`)
    }
    startKey = out.LastEvaluatedKey
  } while (startKey)
  return { count: Math.max(0, count), stamp: parts.join(',') }
}

/**
 * An action that only stamps one of the namespace's counter shards, for writes that change its
 * document items outside the write path (an index build marking documents counted).
 */
export function stampAction(
  adapter: Pick<DynamoDBAdapter, 'counterShards'>,
  namespace: Namespace,
): WriteAction {
  const shard = Math.floor(Math.random() * adapter.counterShards)
  return {
    amount: 0,
    attribute: 'count',
    key: counterKey(namespace.pk, shard),
    stamp: randomUUID(),
    type: 'add',
  }
}
