import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'

import type { ItemKey, NamespaceKind } from '../keys/itemKeys.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'
import type { WriteAction, WriteCondition } from './transactWrite.js'

import { isConditionFailure } from '../storage/errors.js'
import { send } from '../storage/send.js'
import { toStorable } from '../storage/toStorable.js'
import { journalGraceMs, JournalTakenOver } from './journalGrace.js'

/**
 * The commit journal: a write too large for one TransactWriteItems request (more than 100
 * items) is first recorded here, every change with its before and after image, then applied
 * group by group, each group marking itself done in the same atomic request. The record is
 * deleted when the write is complete. A process that dies part-way leaves the record, and the
 * next start finishes the write from it (or undoes it, when it can no longer be applied).
 *
 * Items: a header (`J#journal`, `<write id>`) with `createdAt`, `parts`, `stream`, `done` (the
 * numbers of the groups applied), `begun` (groups of which a request was applied), `owner`,
 * `beat` and `grace` (who applies it, when it last showed it is alive, and for how long it may
 * stay silent: journalOwnership.ts), `undoing` (set before an undo starts: journalUndo.ts), `gen`,
 * and parts (`J#<write id>`, `P#<gen>#<n>`; `P#<n>` for earlier versions) holding the gzipped
 * JSON changes.
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
  /** Indexes whose items `before` lacks (`DocumentChange.unindexed`: an index build's write). */
  unindexed?: string[]
}

export type JournalHeader = {
  /** When the owner last showed it is alive (ms); headers of earlier versions have none. */
  beat?: number
  /**
   * Groups of which a request was applied (a group packed in several requests marks itself done
   * in its last only): something of the write is stored even while `done` is empty.
   */
  begun: Set<number>
  createdAt: number
  done: Set<number>
  /** The generation of its parts (`JournalParts`); headers of earlier versions have none. */
  gen?: string
  /**
   * How long its owner may stay silent before another process takes it over (ms): the owner's own
   * grace period, so processes configured with different ones still agree (earlier headers: none).
   */
  grace?: number
  /**
   * How many documents its owner has locked or unlocked so far (sent with the beats), so a writer
   * waiting for those locks sees a long lock or unlock step go on (earlier headers: none).
   */
  lockSteps?: number
  /** Who applies it: the write id for the writing process, a token for one that took it over. */
  owner?: string
  parts: number
  /** The parts are one gzip stream (see `PART_BYTES`). */
  stream: boolean
  /** Set once the write is being undone: it is never applied further (journalUndo.ts). */
  undoing?: JournalUndo
  writeID: string
}

/** Why a journaled write is undone: the group that could not be applied, and Payload's error. */
export type JournalUndo = { group: number; validation: Record<string, unknown> }

/**
 * Gzipped bytes per part item (under DynamoDB's 400 KB item limit). The whole journal is one gzip
 * stream cut into parts (`stream` on the header), so one change larger than an item (a large
 * document's before and after images) fits too. Headers without `stream` (written by earlier
 * versions) have one gzipped JSON array per part.
 */
const PART_BYTES = 350_000

type Store = Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>

/**
 * Where a journal's parts are: `parts` items of generation `gen`. Each writing of a journal puts
 * its parts under a new generation and switches the header to it last, so a journal written
 * again under its id is never read mixed, old parts with new (journals of earlier versions have
 * no generation).
 */
export type JournalParts = { gen?: string; parts: number }

export const headerKey = (writeID: string): ItemKey => ({ pk: JOURNAL_PK, sk: writeID })
const partKey = (writeID: string, part: number, gen: string | undefined): ItemKey => ({
  pk: `J#${writeID}`,
  sk: `P#${gen === undefined ? '' : `${gen}#`}${String(part).padStart(5, '0')}`,
})

/** The condition of every write that only the journal's owner may make. */
export function ownerCondition(owner: string): WriteCondition {
  return {
    expression: 'attribute_exists(pk) AND #owner = :owner',
    names: { '#owner': 'owner' },
    values: { ':owner': owner },
  }
}

/**
 * Records the changes (parts first, then the header: the header is the commit point), owned by
 * `owner`. Written again by the same write (computed again under its id), it replaces its own
 * journal, unless another process took it over meanwhile (`JournalTakenOver`).
 */
export async function writeJournal(
  adapter: Store,
  writeID: string,
  changes: JournalChange[],
  owner: string,
): Promise<JournalParts> {
  const json = JSON.stringify(
    changes.map((change) => ({
      ...change,
      after: toStorable(change.after),
      before: toStorable(change.before),
    })),
  )
  const zipped = gzipSync(json)
  // New keys every time: a journal written again (the write computed again under its id) never
  // replaces the parts its header names, which a crash would leave mixed with the new ones, nor
  // those a process that took the journal over finishes from.
  const layout: JournalParts = {
    gen: randomUUID(),
    parts: Math.max(1, Math.ceil(zipped.length / PART_BYTES)),
  }
  for (let part = 0; part < layout.parts; part++) {
    await send(
      adapter,
      new PutCommand({
        Item: {
          ...partKey(writeID, part, layout.gen),
          data: zipped.subarray(part * PART_BYTES, (part + 1) * PART_BYTES),
        },
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
  }
  const now = Date.now()
  let replaced: Record<string, unknown> | undefined
  try {
    const out = await send<{ Attributes?: Record<string, unknown> }>(
      adapter,
      new PutCommand({
        ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
        Item: {
          ...headerKey(writeID),
          beat: now,
          createdAt: now,
          grace: journalGraceMs(),
          gen: layout.gen,
          owner,
          parts: layout.parts,
          stream: true,
        },
        ReturnConsumedCapacity: 'TOTAL',
        ReturnValues: 'ALL_OLD',
        TableName: adapter.tableName,
      }),
    )
    replaced = out.Attributes
  } catch (error) {
    if (!isConditionFailure(error)) {
      throw error
    }
    // Never read (best effort: parts left behind are only stored, never read).
    await deleteParts(adapter, writeID, layout).catch(() => undefined)
    throw new JournalTakenOver(writeID)
  }
  // The parts of the journal this one replaced, no longer read (a resent put may return its own
  // header: nothing to delete).
  if (replaced && replaced.gen !== layout.gen) {
    await deleteParts(adapter, writeID, headerOf(replaced)).catch(() => undefined)
  }
  return layout
}

async function deleteParts(adapter: Store, writeID: string, layout: JournalParts): Promise<void> {
  for (let part = 0; part < layout.parts; part++) {
    await send(
      adapter,
      new DeleteCommand({
        Key: partKey(writeID, part, layout.gen),
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
  }
}

/**
 * The action that marks a group done; it goes in the group's own transaction, which then holds
 * only while `owner` owns the journal.
 */
export function markGroupDone(writeID: string, group: number, owner: string): WriteAction {
  return {
    condition: ownerCondition(owner),
    key: headerKey(writeID),
    type: 'mark',
    value: group,
  }
}

/**
 * The action a request of a group packed in several carries, but its last (which marks the group
 * done): it holds only while `owner` owns the journal, and records that the group has begun.
 */
export function markGroupBegun(writeID: string, group: number, owner: string): WriteAction {
  return {
    attribute: 'begun',
    condition: ownerCondition(owner),
    key: headerKey(writeID),
    type: 'mark',
    value: group,
  }
}

/**
 * Deletes the journal, the header first; with `owner`, only if it still owns it, and with
 * `unapplied`, only if none of its groups was applied (else `JournalTakenOver` either way).
 */
export async function deleteJournal(
  adapter: Store,
  writeID: string,
  layout: JournalParts,
  owner?: string,
  unapplied = false,
): Promise<void> {
  try {
    await send(
      adapter,
      new DeleteCommand({
        // Gone already passes: the SDK may send it again after a lost answer.
        ...(owner !== undefined && {
          ConditionExpression: unapplied
            ? 'attribute_not_exists(pk) OR (#owner = :owner AND attribute_not_exists(#done) AND attribute_not_exists(#begun))'
            : 'attribute_not_exists(pk) OR #owner = :owner',
          ExpressionAttributeNames: {
            '#owner': 'owner',
            ...(unapplied && { '#begun': 'begun', '#done': 'done' }),
          },
          ExpressionAttributeValues: { ':owner': owner },
        }),
        Key: headerKey(writeID),
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
  } catch (error) {
    throw isConditionFailure(error) ? new JournalTakenOver(writeID) : error
  }
  await deleteParts(adapter, writeID, layout)
}

/** Every item of one journal partition (`filter`: a condition on `#at`, with `:before`). */
export async function partitionItems(
  adapter: Store,
  pk: string,
  filter?: { before: number; expression: string },
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = []
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
        ...(filter && {
          ExpressionAttributeNames: { '#at': 'at' },
          FilterExpression: filter.expression,
        }),
        ExpressionAttributeValues: { ':pk': pk, ...(filter && { ':before': filter.before }) },
        KeyConditionExpression: 'pk = :pk',
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
    items.push(...(out.Items ?? []))
    startKey = out.LastEvaluatedKey
  } while (startKey)
  return items
}

/** Journal headers left by writes that did not finish (oldest first). */
export async function openJournals(adapter: Store): Promise<JournalHeader[]> {
  const headers = (await partitionItems(adapter, JOURNAL_PK)).map(headerOf)
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
  const numbers = (set: unknown) => new Set([...((set as Set<number>) ?? [])].map(Number))
  return {
    beat: item.beat === undefined ? undefined : Number(item.beat),
    begun: numbers(item.begun),
    createdAt: Number(item.createdAt ?? 0),
    done: numbers(item.done),
    gen: typeof item.gen === 'string' ? item.gen : undefined,
    grace: item.grace === undefined ? undefined : Number(item.grace),
    lockSteps: item.lockSteps === undefined ? undefined : Number(item.lockSteps),
    owner: typeof item.owner === 'string' ? item.owner : undefined,
    parts: Number(item.parts ?? 0),
    stream: item.stream === true,
    undoing:
      typeof item.undoing === 'string' ? (JSON.parse(item.undoing) as JournalUndo) : undefined,
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
        Key: partKey(header.writeID, part, header.gen),
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
