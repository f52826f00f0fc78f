import { QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb'

import type { KeyRange } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { COUNTER_SK } from '../keys/counterKey.js'
import { RANGE_PAGE_ITEMS } from './pageLimits.js'
import { send } from './send.js'

type Store = Pick<DynamoDBAdapter, 'consistentRead' | 'docClient' | 'stats' | 'tableName'>

/** An index entry as read back: the document id, the key, and the document's createdAt (ms). */
export type IndexEntryRow = { c?: number; id: number | string; sk: string }

/** Pages of one key range of a partition (an index's, or counter items): the items, or their count. */
export async function* queryRange(
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
        Limit: options.pageSize ?? RANGE_PAGE_ITEMS,
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

/** The sum of `count` over the items of a partition whose sort key starts with `prefix`. */
async function sumCounters(adapter: Store, pk: string, prefix: string): Promise<number> {
  let total = 0
  // Counter keys are the prefix and a shard number: the range after the prefix holds them all.
  for await (const page of queryRange(adapter, pk, { from: prefix, to: `${prefix}\uffff` }, {})) {
    for (const item of page.Items ?? []) {
      total += typeof item.count === 'number' ? item.count : 0
    }
  }
  return total
}

/**
 * The number of documents in a namespace, from its counter items (the base one and its shards,
 * see keys/counterKey.ts): one Query of a few small items, whatever the namespace's size.
 */
export async function readDocumentCount(adapter: Store, namespacePK: string): Promise<number> {
  return Math.max(0, await sumCounters(adapter, namespacePK, COUNTER_SK))
}

/**
 * How many documents hold one of `values` (encoded first-part values with their terminator) in
 * an index, from its value counters (indexes/valueCounters.ts): one Query per value, in parallel.
 * For a single-valued field the values' documents are distinct, so the sum is exact.
 */
export async function readValueCounts(
  adapter: Store,
  counterPK: string,
  values: string[],
): Promise<number> {
  const counts = await Promise.all(values.map((value) => sumCounters(adapter, counterPK, value)))
  return Math.max(
    0,
    counts.reduce((sum, count) => sum + count, 0),
  )
}

/** Deletes every item of one partition (an index's entries, markers or counters). */
export async function clearPartition(
  adapter: Store,
  pk: string,
  deleteKeys: (keys: { pk: string; sk: string }[]) => Promise<void>,
): Promise<void> {
  for await (const rows of iterateIndexRange(
    adapter,
    pk,
    { from: '\u0000', to: '\uffff' },
    { descending: false },
  )) {
    await deleteKeys(rows.map((row) => ({ pk, sk: row.sk })))
  }
}
