/**
 * Payload changes the documents an adapter returns: its `afterRead` populates relationships in
 * place (`ref.value` becomes the related document, a `hasMany` array's ids become documents).
 * Inside a Payload transaction the write is only sent at commit, and when the commit meets
 * another writer's change it is computed again over the newer document. That second computation
 * must use the data as Payload sent it, not what Payload's hooks made of the returned document:
 * otherwise a populated related document is stored in the field.
 */
import type { Config, DatabaseAdapterObj, Field, Payload, PayloadRequest, Where } from 'payload'

import { commitTransaction, initTransaction, killTransaction } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'

const relationFields: Field[] = [
  { name: 'title', type: 'text' },
  { name: 'author', type: 'relationship', relationTo: 'authors' },
  { name: 'tags', type: 'relationship', hasMany: true, relationTo: 'authors' },
  { name: 'ref', type: 'relationship', relationTo: ['authors'] },
  {
    name: 'rows',
    type: 'array',
    fields: [{ name: 'who', type: 'relationship', relationTo: 'authors' }],
  },
]

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    { slug: 'authors', fields: [{ name: 'name', type: 'text' }] },
    { slug: 'items', fields: relationFields },
  ],
  db,
  globals: [{ slug: 'settings', fields: relationFields }],
  secret: 'caller-changes-secret',
  telemetry: false,
})

const tableName = `caller-changes-${randomUUID()}`
let first: Payload
let second: Payload
let holdsNothing: Payload
let authorID: string

beforeAll(async () => {
  first = await bootOnTable(config, tableName)
  second = await bootOnTable(config, tableName)
  holdsNothing = await bootOnTable(config, tableName, { readCache: false })
  authorID = String((await first.create({ collection: 'authors', data: { name: 'Ann' } })).id)
})

afterAll(async () => {
  await first?.destroy()
  await second?.destroy()
  await holdsNothing?.destroy()
})

const stored = async (id: number | string) =>
  relationsOf(await holdsNothing.findByID({ id, collection: 'items', depth: 0 }))

const related = () => ({
  author: authorID,
  ref: { relationTo: 'authors', value: authorID },
  rows: [{ who: authorID }],
  tags: [authorID],
})

/** A document's relationship values as stored (read at depth 0 by a Payload that holds nothing). */
function relationsOf(doc: Record<string, unknown>) {
  return {
    author: doc.author,
    ref: doc.ref,
    rows: (doc.rows as { who: unknown }[]).map((row) => row.who),
    tags: doc.tags,
  }
}

const asStored = {
  author: expect.any(String),
  ref: { relationTo: 'authors', value: expect.any(String) },
  rows: [expect.any(String)],
  tags: [expect.any(String)],
}

/** A commit of one item is a conditional put; of more, a transaction. */
const WRITES = new Set(['PutCommand', 'TransactWriteCommand', 'UpdateCommand'])

/**
 * Runs `write` on the first Payload; another writer changes the document just before the first
 * commit that writes it (a request that mentions `marker`: the document's id, or the global's
 * sort key) goes out. Other writes (a read lease taken meanwhile) pass.
 */
async function withInterleavedWrite(
  marker: string,
  write: () => Promise<unknown>,
  interleave: () => Promise<unknown>,
) {
  let interleaved = false
  const watch = watchSends(first.db as unknown as DynamoDBAdapter, async (command: SentCommand) => {
    if (
      !interleaved &&
      WRITES.has(command.constructor.name) &&
      JSON.stringify(command.input).includes(marker)
    ) {
      interleaved = true
      await interleave()
    }
  })
  try {
    await write()
  } finally {
    watch.restore()
  }
  expect(interleaved).toBe(true)
}

test('an update whose commit is computed again stores ids, not the documents Payload populated', async () => {
  const item = await first.create({ collection: 'items', data: { title: 'a' } })
  await withInterleavedWrite(
    String(item.id),
    // depth 2 (the default): Payload populates the returned document before it commits.
    () => first.update({ id: item.id, collection: 'items', data: related() }),
    () => second.update({ id: item.id, collection: 'items', data: { title: 'b' } }),
  )
  expect(await stored(item.id)).toEqual(asStored)
  const read = await second.findByID({ id: item.id, collection: 'items', depth: 0 })
  // Payload sends the whole document it read (title 'a'), and the later commit wins.
  expect(read).toMatchObject({ ...related(), rows: [{ who: authorID }], title: 'a' })
})

test('an update by where whose commit is computed again stores ids', async () => {
  const item = await first.create({ collection: 'items', data: { title: 'c' } })
  await withInterleavedWrite(
    String(item.id),
    () => first.update({ collection: 'items', data: related(), where: { title: { equals: 'c' } } }),
    () => second.update({ id: item.id, collection: 'items', data: { author: null } }),
  )
  expect(await stored(item.id)).toEqual(asStored)
})

test('a global update whose commit is computed again stores ids', async () => {
  await first.updateGlobal({ data: { title: 'g' }, slug: 'settings' })
  await withInterleavedWrite(
    'D#global',
    () => first.updateGlobal({ data: related(), slug: 'settings' }),
    () => second.updateGlobal({ data: { title: 'h' }, slug: 'settings' }),
  )
  const global = await holdsNothing.findGlobal({ depth: 0, slug: 'settings' })
  expect(relationsOf(global)).toEqual(asStored)
  expect(global.title).toBe('g')
})

test('a create in a transaction whose commit is computed again stores ids', async () => {
  const other = await first.create({ collection: 'items', data: { title: 'd' } })
  const req = { payload: first } as PayloadRequest
  await initTransaction(req)
  let created: { id: number | string } | undefined
  try {
    created = await first.create({ collection: 'items', data: { ...related(), title: 'e' }, req })
    await first.update({ id: other.id, collection: 'items', data: { title: 'f' }, req })
    await withInterleavedWrite(
      String(created.id),
      () => commitTransaction(req),
      () => second.update({ id: other.id, collection: 'items', data: { title: 'g' } }),
    )
  } catch (error) {
    await killTransaction(req)
    throw error
  }
  expect(await stored(created.id)).toEqual(asStored)
})

// A guard: a staged delete's items are built when it is staged, so this held before d5671c2 too.
test('a delete in a transaction removes the entries of the ids, not of the documents Payload populated', async () => {
  const bo = String((await first.create({ collection: 'authors', data: { name: 'Bo' } })).id)
  const item = await first.create({
    collection: 'items',
    data: {
      author: bo,
      ref: { relationTo: 'authors', value: bo },
      rows: [{ who: bo }],
      tags: [bo],
      title: 'x',
    },
  })
  const req = { payload: first } as PayloadRequest
  await initTransaction(req)
  try {
    // depth 2: Payload populates the deleted document it returns before the commit.
    await first.delete({ id: item.id, collection: 'items', req })
    await commitTransaction(req)
  } catch (error) {
    await killTransaction(req)
    throw error
  }
  const report = await (holdsNothing.db as unknown as DynamoDBAdapter).verifyIndexes({
    collection: 'items',
  })
  expect(report).toMatchObject({ clean: true })
  for (const where of [
    { tags: { equals: bo } },
    { 'ref.value': { equals: bo } },
    { 'rows.who': { equals: bo } },
    { author: { equals: bo } },
  ] as Where[]) {
    expect((await holdsNothing.count({ collection: 'items', where })).totalDocs).toBe(0)
  }
})
