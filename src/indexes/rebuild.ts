import { BatchWriteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter, RebuildArgs } from '../types.js'

import { counterKey, STAMP_ATTRIBUTE } from '../keys/counterKey.js'
import { collectionNamespace, versionsNamespace } from '../namespaces.js'
import { iteratePartition } from '../storage/documentStore.js'
import { clearPartition, iterateIndexRange } from '../storage/indexStore.js'
import { send } from '../storage/send.js'
import { indexSignature, readIndexState, recordIndexState, setBuiltIndexes } from './buildState.js'
import { indexEntries, indexPartition, uniqueMarkers, uniquePartition } from './entries.js'
import { recountValueCounters } from './recountValues.js'
import { announceIndexChange } from './indexRecord.js'
import { indexesOf, localeCodes } from './registry.js'
import { indexDropWait } from './stateFreshness.js'

async function batchWrite(
  adapter: DynamoDBAdapter,
  requests: Record<string, unknown>[],
): Promise<void> {
  for (let start = 0; start < requests.length; start += 25) {
    let pending: Record<string, unknown>[] | undefined = requests.slice(start, start + 25)
    while (pending && pending.length > 0) {
      const out: { UnprocessedItems?: Record<string, Record<string, unknown>[]> } = await send(
        adapter,
        new BatchWriteCommand({
          RequestItems: { [adapter.tableName]: pending },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      )
      pending = out.UnprocessedItems?.[adapter.tableName]
    }
  }
}

/** Deletes every index entry and uniqueness marker of a namespace. */
async function clearIndexes(adapter: DynamoDBAdapter, namespace: Namespace): Promise<void> {
  const locales = localeCodes(adapter)
  for (const definition of indexesOf(adapter, namespace)) {
    const localized = definition.parts.some((part) => part.localized) && locales.length > 0
    for (const locale of localized ? locales : [undefined]) {
      for (const pk of [
        indexPartition(namespace, definition, locale),
        uniquePartition(namespace, definition, locale),
      ]) {
        await clearPartition(adapter, pk, (keys) =>
          batchWrite(
            adapter,
            keys.map((key) => ({ DeleteRequest: { Key: key } })),
          ),
        )
      }
    }
  }
}

/**
 * Builds (or rebuilds) the index entries, uniqueness markers and document counter of one
 * collection from its documents, a page at a time. Safe to re-run; resumable from a cursor
 * (a resumed run skips clearing, so only resume a run that got past its first page). Queries
 * of every process read the whole collection until it ends (the indexes are recorded as not
 * complete first); it takes `indexDropWait()` (10 s) longer for that.
 * Returns the number of documents indexed.
 */
export async function rebuildIndexes(this: DynamoDBAdapter, args: RebuildArgs): Promise<number> {
  const namespace = args.versions
    ? versionsNamespace(this, args.collection)
    : collectionNamespace(this, args.collection)
  const definitions = indexesOf(this, namespace)
  const locales = localeCodes(this)
  // Writers of every config maintain them from now on (indexRecord.ts).
  await announceIndexChange(this, namespace, { defined: definitions })
  if (!args.cursor) {
    // Queries of every process stop reading these indexes (they read the whole collection
    // meanwhile) before their items are cleared: they are recorded as not complete, and the
    // clearing waits until every process has looked at that record (stateFreshness.ts).
    const names = definitions.map((definition) => definition.name)
    await recordIndexState(this, namespace, { unbuilt: names })
    const readAt = Date.now()
    setBuiltIndexes(this, namespace, (await readIndexState(this, namespace)) ?? new Map(), readAt)
    await new Promise((resolve) => setTimeout(resolve, indexDropWait()))
    await clearIndexes(this, namespace)
  }
  let documents = 0
  const startKey = args.cursor
    ? (JSON.parse(Buffer.from(args.cursor, 'base64url').toString()) as Record<string, unknown>)
    : undefined
  for await (const page of iteratePartition(this, namespace.pk, {
    pageSize: args.pageSize ?? 100,
    startKey,
  })) {
    const items = page.docs.flatMap((doc) => [
      ...indexEntries(namespace, definitions, locales, doc),
      ...uniqueMarkers(namespace, definitions, locales, doc).map(({ id, pk, sk }) => ({
        id,
        pk,
        sk,
      })),
    ])
    await batchWrite(
      this,
      items.map((item) => ({ PutRequest: { Item: item } })),
    )
    documents += page.docs.length
    args.onProgress?.({
      cursor: page.cursor
        ? Buffer.from(JSON.stringify(page.cursor)).toString('base64url')
        : undefined,
      documents,
    })
  }
  // The counter is recounted from the partition, so a resumed run also leaves it right.
  let total = 0
  for await (const page of iteratePartition(this, namespace.pk, {})) {
    total += page.docs.length
  }
  // The base counter holds the total; the shards writers add to start again from zero. They
  // are zeroed, not deleted: they keep the index record's version (indexRecord.ts), so a
  // process of another config never writes past it.
  const shardPrefix = `${counterKey(namespace.pk).sk}#`
  for await (const rows of iterateIndexRange(
    this,
    namespace.pk,
    { from: shardPrefix, to: `${shardPrefix}\uffff` },
    { descending: false },
  )) {
    await Promise.all(
      rows.map((row) =>
        send(
          this,
          new UpdateCommand({
            ExpressionAttributeNames: { '#count': 'count' },
            ExpressionAttributeValues: { ':zero': 0 },
            Key: { pk: namespace.pk, sk: row.sk },
            ReturnConsumedCapacity: 'TOTAL',
            TableName: this.tableName,
            UpdateExpression: 'SET #count = :zero',
          }),
        ),
      ),
    )
  }
  await send(
    this,
    new PutCommand({
      // A new stamp: the namespace's counter items never read as an earlier state (read/snapshots.ts).
      Item: { ...counterKey(namespace.pk), count: total, [STAMP_ATTRIBUTE]: randomUUID() },
      TableName: this.tableName,
    }),
  )
  await recountValueCounters(this, namespace, definitions)
  // Every index of the config is now complete: the planner may read them.
  const built = new Map(
    definitions.map((definition) => [definition.name, indexSignature(definition)]),
  )
  await recordIndexState(this, namespace, { built })
  const readAt = Date.now()
  setBuiltIndexes(this, namespace, (await readIndexState(this, namespace)) ?? built, readAt)
  return documents
}
