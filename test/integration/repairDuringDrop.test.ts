/**
 * A repair by a process that still takes an index for built while another process
 * drops it: the repair measured the dropped index's emptied counters against the documents and
 * wrote the whole counts back, which the index's next build then counted again on top (a value's
 * count doubled for good); and it put back entries it had found missing, which outlived the drop
 * and went stale under writers that no longer maintained the index. Its corrections and its
 * entry and marker writes are now conditioned on the index state as it read it (not dropped,
 * same generation and counter epoch).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'

const config =
  (indexed: boolean) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [{ slug: 'posts', fields: [{ name: 'region', type: 'text', index: indexed }] }],
    db,
    secret: 'repair-during-drop',
    telemetry: false,
  })

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter
const eu = { region: { equals: 'eu' } }

/** A value-counter correction: a count set on an item of the index's counters. */
function correctsCount(command: SentCommand): boolean {
  const input = command.input as {
    Key?: { pk?: unknown }
    TransactItems?: { Update?: { Key?: { pk?: unknown } } }[]
  }
  const keys = [input.Key, ...(input.TransactItems ?? []).map((item) => item.Update?.Key)]
  return keys.some((key) => String(key?.pk).includes('#K#region'))
}

/** Four posts, three of them in `eu`, on a new table, by a process of the indexed config. */
async function seeded(started: Payload[]): Promise<{ repairing: Payload; table: string }> {
  const table = `repair-during-drop-${randomUUID()}`
  const repairing = await bootOnTable(config(true), table, { readCache: false })
  started.push(repairing)
  for (const region of ['eu', 'eu', 'eu', 'us']) {
    await repairing.create({ collection: 'posts', data: { region } })
  }
  return { repairing, table }
}

/** The index added back by a third process: each document counted once, nothing off. */
async function addedBack(started: Payload[], table: string): Promise<void> {
  const again = await bootOnTable(config(true), table, { buildIndexes: false, readCache: false })
  started.push(again)
  await adapterOf(again).syncIndexes()
  expect((await again.count({ collection: 'posts', where: eu })).totalDocs).toBe(3)
  const verified = await adapterOf(again).verifyIndexes({ collection: 'posts' })
  expect(verified.clean ? 'clean' : verified).toBe('clean')
}

useIndexStateMaxAge(300)

describe('a counter repair while the index is dropped', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('a repair after the drop leaves the dropped index alone', async () => {
    const { repairing, table } = await seeded(started)
    const without = await bootOnTable(config(false), table, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(without)
    await adapterOf(without).syncIndexes()

    const report = await adapterOf(repairing).repairIndexes({ collection: 'posts' })
    expect(report.valueCountersFixed ?? 0).toBe(0)
    await addedBack(started, table)
  }, 120_000)

  it('a correction measured before the drop is not written after it', async () => {
    const { repairing, table } = await seeded(started)
    // Counters off: every post's count is gone, for the repair to put back.
    const db = adapterOf(repairing)
    const namespace = collectionNamespace(db, 'posts')
    const counters = await db.docClient.send(
      new QueryCommand({
        ExpressionAttributeValues: { ':pk': `${namespace.pk}#K#region` },
        KeyConditionExpression: 'pk = :pk',
        TableName: table,
      }),
    )
    for (const item of counters.Items ?? []) {
      await db.docClient.send(
        new DeleteCommand({ Key: { pk: item.pk, sk: item.sk }, TableName: table }),
      )
    }
    const without = await bootOnTable(config(false), table, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(without)
    let dropped = false
    const watch = watchSends(db, async (command) => {
      if (!dropped && correctsCount(command)) {
        dropped = true
        await adapterOf(without).syncIndexes()
      }
    })
    try {
      const report = await db.repairIndexes({ collection: 'posts' })
      expect(dropped).toBe(true)
      expect(report.valueCountersFixed ?? 0).toBe(0)
      expect(report.valueCountersUnsettled).toBe(true)
    } finally {
      watch.restore()
    }
    await addedBack(started, table)
  }, 120_000)

  it('entries measured missing before the drop are not put back after it', async () => {
    const { repairing, table } = await seeded(started)
    // Entries missing: every post's entry of the index is gone, for the repair to put back.
    const db = adapterOf(repairing)
    const namespace = collectionNamespace(db, 'posts')
    const entries = await db.docClient.send(
      new QueryCommand({
        ExpressionAttributeValues: { ':pk': `${namespace.pk}#I#region` },
        KeyConditionExpression: 'pk = :pk',
        TableName: table,
      }),
    )
    expect(entries.Items).toHaveLength(4)
    for (const item of entries.Items ?? []) {
      await db.docClient.send(
        new DeleteCommand({ Key: { pk: item.pk, sk: item.sk }, TableName: table }),
      )
    }
    const without = await bootOnTable(config(false), table, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(without)
    let dropped = false
    const watch = watchSends(db, async (command) => {
      const items = (command.input as { TransactItems?: { Put?: { Item?: { pk?: unknown } } }[] })
        .TransactItems
      if (!dropped && items?.some((item) => String(item.Put?.Item?.pk).includes('#I#region'))) {
        dropped = true
        await adapterOf(without).syncIndexes()
      }
    })
    try {
      await db.repairIndexes({ collection: 'posts' })
      expect(dropped).toBe(true)
    } finally {
      watch.restore()
    }
    // Before: the entries were put back after the drop; the process without the index then
    // moves a post, and its old entry outlives the index's next build.
    const { docs } = await without.find({ collection: 'posts', where: eu })
    await without.update({ collection: 'posts', data: { region: 'us' }, id: docs[0]!.id })
    const again = await bootOnTable(config(true), table, { buildIndexes: false, readCache: false })
    started.push(again)
    await adapterOf(again).syncIndexes()
    expect((await again.count({ collection: 'posts', where: eu })).totalDocs).toBe(2)
    const verified = await adapterOf(again).verifyIndexes({ collection: 'posts' })
    expect(verified.clean ? 'clean' : verified).toBe('clean')
  }, 120_000)

  it('a repair of a namespace with many indexes conditions on those it writes (DynamoDB caps an expression at 4 KB)', async () => {
    const fields = Array.from({ length: 30 }, (_, n) => `f${n}`)
    const wide = (db: DatabaseAdapterObj): Config => ({
      collections: [
        {
          slug: 'wide',
          fields: fields.map((name) => ({ name, type: 'text' as const, index: true })),
        },
      ],
      db,
      secret: 'repair-during-drop',
      telemetry: false,
    })
    const table = `repair-wide-${randomUUID()}`
    const payload = await bootOnTable(wide, table, { readCache: false })
    started.push(payload)
    await payload.create({
      collection: 'wide',
      data: Object.fromEntries(fields.map((name) => [name, `${name}-value`])),
    })
    const db = adapterOf(payload)
    const namespace = collectionNamespace(db, 'wide')
    const entries = await db.docClient.send(
      new QueryCommand({
        ExpressionAttributeValues: { ':pk': `${namespace.pk}#I#f7` },
        KeyConditionExpression: 'pk = :pk',
        TableName: table,
      }),
    )
    await db.docClient.send(
      new DeleteCommand({
        Key: { pk: entries.Items![0]!.pk, sk: entries.Items![0]!.sk },
        TableName: table,
      }),
    )
    const counters = await db.docClient.send(
      new QueryCommand({
        ExpressionAttributeValues: { ':pk': `${namespace.pk}#K#f9` },
        KeyConditionExpression: 'pk = :pk',
        TableName: table,
      }),
    )
    expect(counters.Items).toHaveLength(1)
    await db.docClient.send(
      new DeleteCommand({
        Key: { pk: counters.Items![0]!.pk, sk: counters.Items![0]!.sk },
        TableName: table,
      }),
    )
    // Before: a condition on all 30 indexes, DynamoDB's "Expression size has exceeded" (for the
    // entry and for the count).
    const report = await db.repairIndexes({ collection: 'wide' })
    expect(report.entriesPut).toBe(1)
    expect(report.valueCountersFixed).toBe(1)
    const verified = await db.verifyIndexes({ collection: 'wide' })
    expect(verified.clean ? 'clean' : verified).toBe('clean')
  }, 120_000)

  it("a rebuild of a namespace with many indexes stays within DynamoDB's 4 KB for its condition", async () => {
    const fields = Array.from({ length: 60 }, (_, n) => `n${n}`)
    const wider = (db: DatabaseAdapterObj): Config => ({
      collections: [
        {
          slug: 'wider',
          fields: fields.map((name) => ({ name, type: 'number' as const, index: true })),
        },
      ],
      db,
      secret: 'repair-during-drop',
      telemetry: false,
    })
    const table = `rebuild-wide-${randomUUID()}`
    const payload = await bootOnTable(wider, table, { readCache: false })
    started.push(payload)
    for (let i = 0; i < 2; i++) {
      await payload.create({ collection: 'wider', data: { n0: i, n59: i * 2 } })
    }
    const db = adapterOf(payload)
    // Before: "Expression size has exceeded the maximum allowed size" (60 indexes' conditions).
    expect(await db.rebuildIndexes({ collection: 'wider' })).toBe(2)
    expect(
      (await payload.count({ collection: 'wider', where: { n59: { equals: 2 } } })).totalDocs,
    ).toBe(1)
    const verified = await db.verifyIndexes({ collection: 'wider' })
    expect(verified.clean ? 'clean' : verified).toBe('clean')
  }, 120_000)
})
