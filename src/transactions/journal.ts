import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { gunzipSync, gzipSync } from 'node:zlib'

import type { ItemKey, NamespaceKind } from '../keys/itemKeys.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'
import type { WriteAction } from './transactWrite.js'

import { send } from '../storage/send.js'
import { toStorable } from '../storage/toStorable.js'

/**
 * The commit journal: a write too large for one TransactWriteItems request (more than 100
 * items) is first recorded here, every change with its before and after image, then applied
 * group by group, each group marking itself done in the same atomic request. The record is
 * deleted when the write is complete. A process that dies part-way leaves the record, and the
 * next start finishes the write from it (or undoes it, when it can no longer be applied).
 *
 * Items: a header (`J#journal`, `<write id>`) with `createdAt`, `parts`, `stream` and `done` (the
 * numbers of the groups applied), and parts (`J#<write id>`, `P#<n>`) holding the gzipped JSON
 * changes.
 */
export const JOURNAL_PK = 'J#journal'

export type JournalChange = {
  after: Doc | null
  before: Doc | null
  group: number
  key: ItemKey
  kind: NamespaceKind
  /** The revision `before` was read at (journals of earlier versions have none). */
  revision?: number
  slug: string
}

export type JournalHeader = {
  createdAt: number
  done: Set<number>
  parts: number
  /** The parts are one gzip stream (see `PART_BYTES`). */
  stream: boolean
  writeID: string
}

/**
 * Gzipped bytes per part item (under DynamoDB's 400 KB item limit). The whole journal is one gzip
 * stream cut into parts (`stream` on the header), so one change larger than an item (a large
 * document's before and after images) fits too. Headers without `stream` (written by earlier
 * versions) have one gzipped JSON array per part.
 */
const PART_BYTES = 350_000

type Store = Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>

const headerKey = (writeID: string): ItemKey => ({ pk: JOURNAL_PK, sk: writeID })
const partKey = (writeID: string, part: number): ItemKey => ({
  pk: `J#${writeID}`,
  sk: `P#${String(part).padStart(5, '0')}`,
})

/** Records the changes (parts first, then the header: the header is the commit point). */
export async function writeJournal(
  adapter: Store,
  writeID: string,
  changes: JournalChange[],
): Promise<number> {
  const json = JSON.stringify(
    changes.map((change) => ({
      ...change,
      after: toStorable(change.after),
      before: toStorable(change.before),
    })),
  )
  const zipped = gzipSync(json)
  const parts = Math.max(1, Math.ceil(zipped.length / PART_BYTES))
  for (let part = 0; part < parts; part++) {
    await send(
      adapter,
      new PutCommand({
        Item: {
          ...partKey(writeID, part),
          data: zipped.subarray(part * PART_BYTES, (part + 1) * PART_BYTES),
        },
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
  }
  await send(
    adapter,
    new PutCommand({
      Item: { ...headerKey(writeID), createdAt: Date.now(), parts, stream: true },
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  return parts
}

/** The action that marks a group done; it goes in the group's own transaction. */
export function markGroupDone(writeID: string, group: number): WriteAction {
  return {
    condition: { expression: 'attribute_exists(pk)' },
    key: headerKey(writeID),
    type: 'mark',
    value: group,
  }
}

export async function deleteJournal(adapter: Store, writeID: string, parts: number): Promise<void> {
  await send(
    adapter,
    new DeleteCommand({
      Key: headerKey(writeID),
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  for (let part = 0; part < parts; part++) {
    await send(
      adapter,
      new DeleteCommand({
        Key: partKey(writeID, part),
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
  }
}

/** Journal headers left by writes that did not finish (oldest first). */
export async function openJournals(adapter: Store): Promise<JournalHeader[]> {
  const headers: JournalHeader[] = []
  let startKey: Record<string, unknown> | undefined
  do {
    const out = await send<{
      Items?: Record<string, unknown>[]
      LastEvaluatedKey?: Record<string, unknown>
    }>(
      adapter,
      new QueryCommand({
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ExpressionAttributeValues: { ':pk': JOURNAL_PK },
        KeyConditionExpression: 'pk = :pk',
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
    for (const item of out.Items ?? []) {
      headers.push(headerOf(item))
    }
    startKey = out.LastEvaluatedKey
  } while (startKey)
  return headers.sort((a, b) => a.createdAt - b.createdAt)
}

/** The header of one write's journal, if it is still open. */
export async function readJournalHeader(
  adapter: Store,
  writeID: string,
): Promise<JournalHeader | undefined> {
  const out = await send<{ Item?: Record<string, unknown> }>(
    adapter,
    new GetCommand({
      ConsistentRead: true,
      Key: headerKey(writeID),
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  return out.Item ? headerOf(out.Item) : undefined
}

function headerOf(item: Record<string, unknown>): JournalHeader {
  const done = item.done as Set<number> | undefined
  return {
    createdAt: Number(item.createdAt ?? 0),
    done: new Set([...(done ?? [])].map(Number)),
    parts: Number(item.parts ?? 0),
    stream: item.stream === true,
    writeID: String(item.sk),
  }
}

export async function readJournalChanges(
  adapter: Store,
  header: JournalHeader,
): Promise<JournalChange[]> {
  const chunks: Uint8Array[] = []
  for (let part = 0; part < header.parts; part++) {
    const out = await send<{ Item?: { data?: Uint8Array } }>(
      adapter,
      new GetCommand({
        ConsistentRead: true,
        Key: partKey(header.writeID, part),
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
    if (!out.Item?.data) {
      throw new Error(`Commit journal ${header.writeID} is missing part ${part}.`)
    }
    chunks.push(out.Item.data)
  }
  const parse = (data: Uint8Array) =>
    JSON.parse(gunzipSync(data).toString('utf8')) as JournalChange[]
  return header.stream ? parse(Buffer.concat(chunks)) : chunks.flatMap(parse)
}
