/**
 * A namespace with documents but no recorded index state (stored by a version of the adapter
 * that did not record it, or its state item lost): queries read no index of it until a build
 * records them, and writers keep maintaining every index of the config, unique markers included.
 * Before, the state read on connect turned "nothing recorded" into "nothing built", and from then
 * on this process's writes maintained no index at all: a duplicate unique value was taken.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { DeleteCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { STATE_SK } from '../../src/indexes/versionBump.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { watchSends } from '../support/journalItems.js'

const codes = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'items',
      fields: [
        { name: 'code', type: 'text', unique: true },
        { name: 'kind', type: 'text', index: true },
      ],
    },
  ],
  db,
  secret: 'unrecorded-namespace',
  telemetry: false,
})

describe('a namespace without recorded index state', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('keeps its unique values refused and its indexes maintained until the build', async () => {
    const table = `unrecorded-${randomUUID()}`
    const first = await bootOnTable(codes, table, { readCache: false })
    started.push(first)
    await first.create({ collection: 'items', data: { code: 'a', kind: 'x' } })
    const firstDb = first.db as unknown as DynamoDBAdapter
    await firstDb.docClient.send(
      new DeleteCommand({
        Key: { pk: collectionNamespace(firstDb, 'items').pk, sk: STATE_SK },
        TableName: table,
      }),
    )

    const next = await bootOnTable(codes, table, { buildIndexes: false, readCache: false })
    started.push(next)
    const db = next.db as unknown as DynamoDBAdapter
    await expect(
      next.create({ collection: 'items', data: { code: 'a', kind: 'y' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    const created = await next.create({ collection: 'items', data: { code: 'b', kind: 'x' } })
    await expect(
      next.create({ collection: 'items', data: { code: 'b', kind: 'z' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    // Answered without an index (none is recorded as built), still exactly.
    const found = await next.find({ collection: 'items', where: { kind: { equals: 'x' } } })
    expect(found.docs.map((doc) => doc.code).sort()).toEqual(['a', 'b'])

    // The build records the indexes; the entries the writer kept are what it finds.
    await db.syncIndexes()
    expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
    expect(await db.verifyIndexes({ collection: 'items' })).toMatchObject({ clean: true })
    await next.update({ collection: 'items', data: { code: 'c' }, id: created.id })
    await next.create({ collection: 'items', data: { code: 'b', kind: 'x' } })
    await expect(
      next.create({ collection: 'items', data: { code: 'c', kind: 'x' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    expect(await db.verifyIndexes({ collection: 'items' })).toMatchObject({ clean: true })
  }, 120_000)

  it('goes on maintaining every index while the sync builds them one by one, writes meanwhile included', async () => {
    const config = (db: DatabaseAdapterObj): Config => {
      const base = codes(db)
      const [items] = base.collections!
      return {
        ...base,
        collections: [
          { ...items, fields: [...items.fields, { name: 'a', type: 'text', index: true }] },
        ],
      }
    }
    const table = `unrecorded-${randomUUID()}`
    const first = await bootOnTable(config, table, { readCache: false })
    started.push(first)
    await first.create({ collection: 'items', data: { a: '0', code: 'c0', kind: 'w' } })
    const firstDb = first.db as unknown as DynamoDBAdapter
    await firstDb.docClient.send(
      new DeleteCommand({
        Key: { pk: collectionNamespace(firstDb, 'items').pk, sk: STATE_SK },
        TableName: table,
      }),
    )
    const next = await bootOnTable(config, table, { buildIndexes: false, readCache: false })
    started.push(next)
    const db = next.db as unknown as DynamoDBAdapter
    const d1 = await next.create({ collection: 'items', data: { code: 'c1', kind: 'x' } })
    const d2 = await next.create({ collection: 'items', data: { kind: 'x' } })

    // Once the sync has started building (its first index entry written), both documents change.
    let raced = false
    const watch = watchSends(db, async (command) => {
      const items = (command.input as { TransactItems?: { Put?: { Item?: { pk?: unknown } } }[] })
        .TransactItems
      if (!raced && items?.some((item) => String(item.Put?.Item?.pk).includes('#I#'))) {
        raced = true
        await first.update({ collection: 'items', data: { code: 'c9', kind: 'y' }, id: d1.id })
        await first.update({ collection: 'items', data: { a: '3' }, id: d2.id })
      }
    })
    try {
      await db.syncIndexes()
    } finally {
      watch.restore()
    }
    expect(raced).toBe(true)
    expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
    // Before: the first announce left the other indexes unmaintained, so their entries, markers
    // and counts from before went stale (kind 'x' counted 3 times, 'c1' still taken).
    const report = await db.verifyIndexes({ collection: 'items' })
    expect(report.clean ? 'clean' : report).toBe('clean')
    for (const payload of [next, first]) {
      expect(
        (await payload.count({ collection: 'items', where: { kind: { equals: 'x' } } })).totalDocs,
      ).toBe(1)
      expect(
        (await payload.count({ collection: 'items', where: { a: { equals: '3' } } })).totalDocs,
      ).toBe(1)
    }
    await expect(
      next.create({ collection: 'items', data: { code: 'c1', kind: 'z' } }),
    ).resolves.toMatchObject({ code: 'c1' })
    await expect(
      first.create({ collection: 'items', data: { code: 'c9', kind: 'z' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
  }, 120_000)
})
