import { GetCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb'

import type { KeyRange } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { counterKey } from '../keys/counterKey.js'
import { send } from './send.js'

type Store = Pick<DynamoDBAdapter, 'consistentRead' | 'docClient' | 'stats' | 'tableName'>

/** An index entry as read back: the document id, the key, and the document's createdAt (ms). */
export type IndexEntryRow = { c?: number; id: number | string; sk: string }

/** Pages of one key range of an index partition: the entries, or only their count. */
async function* queryRange(
  adapter: Store,
  pk: string,
  range: KeyRange,
  options: { countOnly?: boolean; descending?: boolean; pageSize?: number },
): AsyncGenerator<QueryCommandOutput> {
  let startKey: Record<string, unknown> | undefined
  do {
    const out: QueryCommandOutput = await send<QueryCommandOutput>(
      adapter,
      new QueryCommand({
        ConsistentRead: adapter.consistentRead,
        ExclusiveStartKey: startKey,
        ExpressionAttributeValues: { ':from': range.from, ':pk': pk, ':to': range.to },
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        Limit: options.pageSize,
        ReturnConsumedCapacity: 'TOTAL',
        ScanIndexForward: !options.descending,
        Select: options.countOnly ? 'COUNT' : undefined,
        TableName: adapter.tableName,
      }),
    )
    startKey = out.LastEvaluatedKey
    yield out
  } while (startKey)
}

/** Index entries of one key range, in key order (or reverse), page by page. */
export async function* iterateIndexRange(
  adapter: Store,
  pk: string,
  range: KeyRange,
  options: { descending: boolean; pageSize?: number },
): AsyncGenerator<IndexEntryRow[]> {
  for await (const page of queryRange(adapter, pk, range, options)) {
    yield (page.Items ?? []) as IndexEntryRow[]
  }
}

/** Counts the entries of key ranges without returning them. */
export async function countIndexRanges(
  adapter: Store,
  pk: string,
  ranges: KeyRange[],
): Promise<number> {
  let total = 0
  for (const range of ranges) {
    for await (const page of queryRange(adapter, pk, range, { countOnly: true })) {
      total += page.Count ?? 0
    }
  }
  return total
}

/** The number of documents in a namespace, from the counter kept with every create and delete. */
export async function readDocumentCount(adapter: Store, namespacePK: string): Promise<number> {
  const out = await send<{ Item?: { count?: number } }>(
    adapter,
    new GetCommand({
      ConsistentRead: adapter.consistentRead,
      Key: counterKey(namespacePK),
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  return Math.max(0, out.Item?.count ?? 0)
}
