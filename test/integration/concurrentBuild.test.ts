/**
 * Several processes of a config that adds an index start at once, and each builds the new index
 * on start (`buildIndexes`, on outside production), while a process of the same config that does
 * not build keeps changing the indexed field. They must end with exactly one entry per document,
 * exact value counts and `verifyIndexes` clean. A process of the previous config, which does not
 * declare the index, writing during and after the build must keep it complete too: it learns the
 * index from the table's record (src/indexes/indexRecord.ts).
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import { jest } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { commitTransaction, initTransaction, ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { announceIndexChange } from '../../src/indexes/indexRecord.js'
import { indexesOf } from '../../src/indexes/registry.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'
import { scanCount } from '../support/tableScan.js'

const RATINGS = [1, 2, 3, 4, 5]
const DOCUMENTS = 300

function config(ratingIndexed: boolean) {
  return (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'reviews',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'rating', type: 'number', index: ratingIndexed },
        ],
      },
    ],
    db,
    secret: 'concurrent-build-secret',
    telemetry: false,
  })
}

/** Creates `count` reviews, their ratings cycling through RATINGS; returns their ids in order. */
async function seedReviews(payload: Payload, count: number): Promise<(number | string)[]> {
  const ids: (number | string)[] = []
  for (let i = 0; i < count; i++) {
    const doc = await payload.create({
      collection: 'reviews',
      data: { rating: RATINGS[i % RATINGS.length], title: `review ${i}` },
    })
    ids.push(doc.id)
  }
  return ids
}

/** `verifyIndexes` finds the reviews' entries, markers and counters exactly as the documents. */
async function expectCleanReviews(payload: Payload): Promise<void> {
  expect(
    await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({ collection: 'reviews' }),
  ).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0, valueCountersOff: 0 })
}

/** Which journal action a request of a journaled write carries: its group mark, or its fence. */
function journalAction(command: SentCommand): 'begun' | 'done' | 'fence' | undefined {
  if (command.constructor.name !== 'TransactWriteCommand') {
    return undefined
  }
  const items = (command.input as { TransactItems: Record<string, Record<string, unknown>>[] })
    .TransactItems
  for (const item of items) {
    const [[type, action]] = Object.entries(item) as [[string, Record<string, unknown>]]
    if ((action.Key as { pk?: string } | undefined)?.pk !== 'J#journal') {
      continue
    }
    if (type === 'ConditionCheck') {
      return 'fence'
    }
    const names = action.ExpressionAttributeNames as Record<string, string> | undefined
    return names?.['#done'] === 'begun' ? 'begun' : 'done'
  }
  return undefined
}

// Its index drops wait twice this (src/indexes/stateFreshness.ts), 10 s by default.
useIndexStateMaxAge(300)

describe('an index added to the config, built by two processes at once', () => {
  const tableName = `concurrent-build-${randomUUID()}`
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('ends with one entry per document and exact counts while a third process writes', async () => {
    const before = await bootOnTable(config(false), tableName, { buildIndexes: true })
    started.push(before)
    const ids = await seedReviews(before, DOCUMENTS)

    // A process of the new config that does not build (as after a deploy) moves ratings while
    // two more start and build.
    const current = await bootOnTable(config(true), tableName, { buildIndexes: false })
    started.push(current)
    let writing = true
    const writer = (async () => {
      let moves = 0
      for (let i = 0; writing || moves < 20; i++) {
        await current.update({
          id: ids[(i * 7) % ids.length]!,
          collection: 'reviews',
          data: { rating: RATINGS[(i * 3) % RATINGS.length] },
        })
        moves++
      }
      return moves
    })()
    // Not holding the collection in memory: their answers come from the index they built.
    const builders = await Promise.all([
      bootOnTable(config(true), tableName, { buildIndexes: true, readCache: false }),
      bootOnTable(config(true), tableName, { buildIndexes: true, readCache: false }),
    ])
    started.push(...builders)
    writing = false
    expect(await writer).toBeGreaterThanOrEqual(20)

    // A write after the build, from a builder, then every check.
    await builders[0]!.update({ id: ids[0]!, collection: 'reviews', data: { rating: 5 } })
    const all = await builders[1]!.find({
      collection: 'reviews',
      depth: 0,
      limit: 0,
      pagination: false,
    })
    expect(all.docs).toHaveLength(DOCUMENTS)
    for (const rating of RATINGS) {
      const expected = all.docs.filter((doc) => doc.rating === rating).length
      for (const payload of builders) {
        const where = { rating: { equals: rating } }
        expect((await payload.count({ collection: 'reviews', where })).totalDocs).toBe(expected)
        const page = await payload.find({ collection: 'reviews', limit: 3, where })
        expect(page.totalDocs).toBe(expected)
        expect(page.docs.every((doc) => doc.rating === rating)).toBe(true)
      }
    }
    const explained = await (builders[0]!.db as unknown as DynamoDBAdapter).explain({
      collection: 'reviews',
      where: { rating: { equals: 3 } },
    })
    expect(explained.plan.kind).toBe('index')
    expect(
      await (builders[0]!.db as unknown as DynamoDBAdapter).verifyIndexes({
        collection: 'reviews',
      }),
    ).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  }, 180_000)

  it('a process of the previous config writing during and after the build learns the index from the table and maintains it', async () => {
    const table = `concurrent-build-old-${randomUUID()}`
    const old = await bootOnTable(config(false), table, { buildIndexes: true })
    started.push(old)
    const ids = await seedReviews(old, 150)
    // A rolling deploy: the old process keeps writing while a process of the new config builds.
    // Its config does not declare the index; the table's record of the build tells its writes.
    // Four writers at once, through Payload, some on the same documents.
    let writing = true
    const writers = [0, 1, 2, 3].map(async (worker) => {
      let moves = 0
      for (let i = 0; writing || moves < 8; i++) {
        await old.update({
          id: ids[(i * 7 + worker * 3) % ids.length]!,
          collection: 'reviews',
          data: { rating: RATINGS[(i * 3 + worker) % RATINGS.length] },
        })
        moves++
      }
      return moves
    })
    const builder = await bootOnTable(config(true), table, { buildIndexes: true, readCache: false })
    started.push(builder)
    writing = false
    const moves = await Promise.all(writers)
    expect(moves.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(32)
    // And after the build, as before a rollback is complete: creates, moves and deletes.
    for (let i = 0; i < 20; i++) {
      await old.update({
        id: ids[(i * 11) % ids.length]!,
        collection: 'reviews',
        data: { rating: RATINGS[(i + 1) % RATINGS.length] },
      })
    }
    const created = await old.create({ collection: 'reviews', data: { rating: 4, title: 'new' } })
    await old.delete({ id: ids[1]!, collection: 'reviews' })

    const db = builder.db as unknown as DynamoDBAdapter
    expect(await db.verifyIndexes({ collection: 'reviews' })).toMatchObject({
      clean: true,
      missingEntries: 0,
      orphanEntries: 0,
      valueCountersOff: 0,
    })
    expect(
      (await db.explain({ collection: 'reviews', where: { rating: { equals: 4 } } })).plan.kind,
    ).toBe('index')
    const all = await old.find({ collection: 'reviews', limit: 0, pagination: false })
    expect(all.docs.map((doc) => doc.id)).toContain(created.id)
    for (const rating of RATINGS) {
      const where = { rating: { equals: rating } }
      const expected = all.docs
        .filter((doc) => doc.rating === rating)
        .map((doc) => doc.id)
        .sort()
      expect((await builder.count({ collection: 'reviews', where })).totalDocs).toBe(
        expected.length,
      )
      const page = await builder.find({ collection: 'reviews', limit: 0, pagination: false, where })
      expect(page.docs.map((doc) => doc.id).sort()).toEqual(expected)
    }
  }, 180_000)

  it('bulk writes of more than 100 items by a process of the previous config during the build keep the index complete', async () => {
    const table = `concurrent-build-bulk-${randomUUID()}`
    const old = await bootOnTable(config(false), table, { buildIndexes: true })
    started.push(old)
    const ids = await seedReviews(old, 150)
    // Each moves all 150 reviews (more than 100 items: the commit journal), over and over while
    // a process of the new config builds the index on rating.
    let writing = true
    const bulk = (async () => {
      let writes = 0
      for (let i = 0; writing || writes < 3; i++) {
        await old.db.updateMany({
          collection: 'reviews',
          data: { rating: RATINGS[i % RATINGS.length] },
          where: { title: { exists: true } },
        })
        writes++
      }
      return writes
    })()
    const builder = await bootOnTable(config(true), table, { buildIndexes: true, readCache: false })
    started.push(builder)
    writing = false
    expect(await bulk).toBeGreaterThanOrEqual(3)
    await expectCleanReviews(builder)
    const all = await old.find({ collection: 'reviews', limit: 0, pagination: false })
    expect(all.docs).toHaveLength(ids.length)
    for (const rating of RATINGS) {
      const where = { rating: { equals: rating } }
      const expected = all.docs.filter((doc) => doc.rating === rating).length
      expect((await builder.count({ collection: 'reviews', where })).totalDocs).toBe(expected)
      const page = await builder.find({ collection: 'reviews', limit: 0, pagination: false, where })
      expect(page.docs).toHaveLength(expected)
    }
  }, 180_000)

  /** 150 reviews written by a process of the config without the index, and one of the config with it. */
  async function bootOldAndNew(table: string) {
    const old = await bootOnTable(config(false), table, { buildIndexes: true, readCache: false })
    started.push(old)
    await seedReviews(old, 150)
    const current = await bootOnTable(config(true), table, { buildIndexes: false })
    started.push(current)
    const newDb = current.db as unknown as DynamoDBAdapter
    const namespace = collectionNamespace(newDb, 'reviews')
    return { current, namespace, newDb, old, oldDb: old.db as unknown as DynamoDBAdapter }
  }

  it.each([
    ['its first group', 1],
    ['a later group', 2],
  ])(
    'a bulk write of more than 100 items that learns of a new index at %s is packed again with its entries',
    async (_, transaction) => {
      const table = `concurrent-build-outgrown-${randomUUID()}`
      const { namespace, newDb, old, oldDb } = await bootOldAndNew(table)
      // The index is recorded just before the old process sends that group, packed without it.
      let transactions = 0
      const watched = watchSends(oldDb, async (command) => {
        if (command.constructor.name === 'TransactWriteCommand' && ++transactions === transaction) {
          await announceIndexChange(newDb, namespace, { defined: indexesOf(newDb, namespace) })
        }
      })
      try {
        await old.db.updateMany({
          collection: 'reviews',
          data: { rating: 4 },
          where: { title: { exists: true } },
        })
      } finally {
        watched.restore()
      }
      expect(transactions).toBeGreaterThanOrEqual(transaction)
      // The build finishes what was there before the record.
      const builder = await bootOnTable(config(true), table, {
        buildIndexes: true,
        readCache: false,
      })
      started.push(builder)
      await expectCleanReviews(builder)
      expect(
        (await builder.count({ collection: 'reviews', where: { rating: { equals: 4 } } }))
          .totalDocs,
      ).toBe(150)
    },
    120_000,
  )

  it('a bulk write whose first group, packed again with a new index, is cut off after its first request is finished by the next start, not withdrawn', async () => {
    const table = `concurrent-build-cut-${randomUUID()}`
    const { current, namespace, newDb, old, oldDb } = await bootOldAndNew(table)
    // The index is recorded before the first group is sent: it is packed again in two requests,
    // and the process is cut off once the first of them went through.
    let announced = false
    let partsThrough = 0
    const watched = watchSends(oldDb, async (command) => {
      const journal = journalAction(command)
      if (!journal) {
        return
      }
      if (!announced) {
        announced = true
        await announceIndexChange(newDb, namespace, { defined: indexesOf(newDb, namespace) })
      } else if (journal === 'done' && partsThrough > 0) {
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
      } else {
        partsThrough++
      }
    })
    let failure: (Error & { status?: number }) | undefined
    try {
      await old.db.updateMany({
        collection: 'reviews',
        data: { rating: 4 },
        where: { title: { exists: true } },
      })
    } catch (error) {
      failure = error as Error & { status?: number }
    } finally {
      watched.restore()
    }
    expect(failure?.status).toBe(503)
    expect(partsThrough).toBe(1)
    expect(await newDb.finishOpenCommits({ olderThanMs: 0 })).toEqual({ deferred: 0, finished: 1 })
    expect(
      (await current.count({ collection: 'reviews', where: { rating: { equals: 4 } } })).totalDocs,
    ).toBe(150)
    expect(await scanCount(newDb, 'attribute_exists(lk)')).toBe(0)
    const builder = await bootOnTable(config(true), table, { buildIndexes: true, readCache: false })
    started.push(builder)
    await expectCleanReviews(builder)
  }, 120_000)

  it('a transaction of up to 100 items that no longer fits one request with a new index goes through the journal', async () => {
    const table = `concurrent-build-grown-${randomUUID()}`
    const old = await bootOnTable(config(false), table, { buildIndexes: true, readCache: false })
    started.push(old)
    const current = await bootOnTable(config(true), table, { buildIndexes: false })
    started.push(current)
    const req = { payload: old } as PayloadRequest
    await initTransaction(req)
    for (let i = 0; i < 30; i++) {
      await old.create({
        collection: 'reviews',
        data: { rating: RATINGS[i % RATINGS.length], title: 'staged' },
        req,
      })
    }
    // The index on rating is recorded just before the commit's one request is sent.
    const newDb = current.db as unknown as DynamoDBAdapter
    const namespace = collectionNamespace(newDb, 'reviews')
    const oldDb = old.db as unknown as DynamoDBAdapter
    let announced = false
    const watched = watchSends(oldDb, async (command) => {
      const items = (command.input as { TransactItems?: unknown[] } | undefined)?.TransactItems
      if (command.constructor.name === 'TransactWriteCommand' && !announced && items!.length > 80) {
        announced = true
        await announceIndexChange(newDb, namespace, { defined: indexesOf(newDb, namespace) })
      }
    })
    try {
      await commitTransaction(req)
    } finally {
      watched.restore()
    }
    expect(announced).toBe(true)
    expect(watched.journals()).toBe(1)
    expect(
      (await current.count({ collection: 'reviews', where: { title: { equals: 'staged' } } }))
        .totalDocs,
    ).toBe(30)
    const builder = await bootOnTable(config(true), table, { buildIndexes: true, readCache: false })
    started.push(builder)
    await expectCleanReviews(builder)
    expect(
      (await builder.count({ collection: 'reviews', where: { rating: { equals: 2 } } })).totalDocs,
    ).toBe(6)
  }, 120_000)

  it('a transaction of more than 100 items whose last group, packed again with a new index, meets a taken value is undone whole', async () => {
    const coded = (ratingIndexed: boolean) => (db: DatabaseAdapterObj) => {
      const base = config(ratingIndexed)(db)
      const [reviews] = base.collections!
      return {
        ...base,
        collections: [
          {
            ...reviews!,
            fields: [...reviews!.fields, { name: 'code', type: 'text' as const, unique: true }],
          },
        ],
      }
    }
    const table = `concurrent-build-undo-${randomUUID()}`
    const old = await bootOnTable(coded(false), table, { buildIndexes: true, readCache: false })
    started.push(old)
    const current = await bootOnTable(coded(true), table, { buildIndexes: false })
    started.push(current)
    const req = { payload: old } as PayloadRequest
    await initTransaction(req)
    for (let i = 0; i < 150; i++) {
      await old.create({
        collection: 'reviews',
        data: { code: `c-${i}`, rating: RATINGS[i % RATINGS.length], title: 'staged' },
        req,
      })
    }
    // Someone else takes the last review's value after the transaction checked it, and the index
    // on rating is recorded just before the last group is sent: that group no longer fits one
    // request, is packed again in two, and the second meets the taken value.
    await current.create({ collection: 'reviews', data: { code: 'c-149', title: 'other' } })
    const newDb = current.db as unknown as DynamoDBAdapter
    const namespace = collectionNamespace(newDb, 'reviews')
    const oldDb = old.db as unknown as DynamoDBAdapter
    let announced = false
    let afterAnnounce = 0
    const watched = watchSends(oldDb, async (command) => {
      if (command.constructor.name === 'TransactWriteCommand') {
        if (announced) {
          afterAnnounce++
        } else if (JSON.stringify(command.input).includes('c-149')) {
          announced = true
          await announceIndexChange(newDb, namespace, { defined: indexesOf(newDb, namespace) })
        }
      }
    })
    try {
      await expect(commitTransaction(req)).rejects.toBeInstanceOf(ValidationError)
    } finally {
      watched.restore()
    }
    expect(announced).toBe(true)
    // The repacked group's first request went through before the second failed.
    expect(afterAnnounce).toBeGreaterThanOrEqual(2)
    expect(
      (await current.count({ collection: 'reviews', where: { title: { equals: 'staged' } } }))
        .totalDocs,
    ).toBe(0)
    // The values the transaction had taken are free again.
    await current.create({ collection: 'reviews', data: { code: 'c-0', title: 'after' } })
    const builder = await bootOnTable(coded(true), table, { buildIndexes: true, readCache: false })
    started.push(builder)
    await expectCleanReviews(builder)
  }, 120_000)

  it('a process that still declares a dropped index stops writing its entries once the drop is recorded', async () => {
    const table = `concurrent-drop-${randomUUID()}`
    // Answering through its indexes (not from memory), so that its count plans with them.
    const old = await bootOnTable(config(true), table, { buildIndexes: true, readCache: false })
    started.push(old)
    const ids = await seedReviews(old, 40)
    // The new config drops the index (its start drops the entries); the old process writes on.
    const dropper = await bootOnTable(config(false), table, { buildIndexes: true })
    started.push(dropper)
    const warn = jest.spyOn(old.logger, 'warn')
    for (let i = 0; i < 10; i++) {
      await old.update({ id: ids[i]!, collection: 'reviews', data: { rating: 5 } })
    }
    await old.create({ collection: 'reviews', data: { rating: 2, title: 'after the drop' } })
    const items = await (dropper.db as unknown as DynamoDBAdapter).docClient.send(
      new ScanCommand({ ConsistentRead: true, TableName: table }),
    )
    const ratingItems = (items.Items ?? []).filter((item) => String(item.pk).includes('rating'))
    expect(ratingItems).toEqual([])
    expect(
      (await old.count({ collection: 'reviews', where: { rating: { equals: 5 } } })).totalDocs,
    ).toBe(
      (await dropper.find({ collection: 'reviews', limit: 0, where: { rating: { equals: 5 } } }))
        .docs.length,
    )
    // Its log says why its declared index is not used, and what to do.
    expect(warn.mock.calls.map(([message]) => String(message))).toContainEqual(
      expect.stringContaining('was dropped from the table by a process whose config no longer'),
    )
    warn.mockRestore()
  }, 180_000)

  it('a unique index whose build fails on duplicates is not maintained by processes that do not declare it', async () => {
    const table = `concurrent-unique-${randomUUID()}`
    const codes =
      (unique: boolean) =>
      (db: DatabaseAdapterObj): Config => ({
        collections: [{ slug: 'items', fields: [{ name: 'code', type: 'text', unique }] }],
        db,
        secret: 'concurrent-build-secret',
        telemetry: false,
      })
    const old = await bootOnTable(codes(false), table, { buildIndexes: true })
    started.push(old)
    await old.create({ collection: 'items', data: { code: 'c0' } })
    await old.create({ collection: 'items', data: { code: 'c0' } })
    // The new config's start tries to build the unique index: the duplicates stop it (logged).
    const current = await bootOnTable(codes(true), table, { buildIndexes: true })
    started.push(current)
    const pending = await (current.db as unknown as DynamoDBAdapter).syncIndexes({ dryRun: true })
    expect(pending.pending).toEqual(['items/code'])
    // The old process still takes any value: the unique index was never built.
    await old.create({ collection: 'items', data: { code: 'c0' } })
    await old.create({ collection: 'items', data: { code: 'c1' } })
    await old.create({ collection: 'items', data: { code: 'c1' } })
    expect((await old.count({ collection: 'items' })).totalDocs).toBe(5)
  }, 180_000)

  it('a build that started and did not finish, under a config reverted since, is dropped by the next sync', async () => {
    const table = `concurrent-revert-${randomUUID()}`
    const old = await bootOnTable(config(false), table, { buildIndexes: true })
    started.push(old)
    await old.create({ collection: 'reviews', data: { rating: 1, title: 'first' } })
    // A process of the new config records its build and stops there (as if it were cut off).
    const current = await bootOnTable(config(true), table, { buildIndexes: false })
    started.push(current)
    const newDb = current.db as unknown as DynamoDBAdapter
    const namespace = collectionNamespace(newDb, 'reviews')
    await announceIndexChange(newDb, namespace, { defined: indexesOf(newDb, namespace) })
    const ratingItems = async () => {
      const out = await newDb.docClient.send(
        new ScanCommand({ ConsistentRead: true, TableName: table }),
      )
      return (out.Items ?? []).filter((item) => String(item.pk).includes('rating'))
    }
    // The old config learns it at its next write and maintains it.
    await old.create({ collection: 'reviews', data: { rating: 2, title: 'second' } })
    expect((await ratingItems()).length).toBeGreaterThan(0)
    // The config is reverted: the next sync by that config drops what the build left.
    const oldDb = old.db as unknown as DynamoDBAdapter
    expect(await oldDb.syncIndexes({ dryRun: true })).toEqual({
      pending: [],
      stale: ['reviews/rating'],
    })
    await oldDb.syncIndexes()
    await old.create({ collection: 'reviews', data: { rating: 3, title: 'third' } })
    expect(await ratingItems()).toEqual([])
  }, 180_000)

  it('after rebuildIndexes (which resets the counter shards) a process of the previous config still learns the index', async () => {
    const table = `concurrent-rebuild-${randomUUID()}`
    const old = await bootOnTable(config(false), table, { buildIndexes: true })
    started.push(old)
    const ids = await seedReviews(old, 30)
    const current = await bootOnTable(config(true), table, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(current)
    const db = current.db as unknown as DynamoDBAdapter
    expect(await db.rebuildIndexes({ collection: 'reviews' })).toBe(30)
    for (let i = 0; i < 10; i++) {
      await old.update({ id: ids[i]!, collection: 'reviews', data: { rating: 5 } })
    }
    expect(await db.verifyIndexes({ collection: 'reviews' })).toMatchObject({
      clean: true,
      missingEntries: 0,
      orphanEntries: 0,
    })
  }, 180_000)

  it('a build bumps the counter shards of processes with more shards than its own', async () => {
    const table = `concurrent-shards-${randomUUID()}`
    // Writes pick one of 64 shards; the builder knows of 8 by its own config.
    const old = await bootOnTable(config(false), table, { buildIndexes: true, counterShards: 64 })
    started.push(old)
    const ids = await seedReviews(old, 20)
    const builder = await bootOnTable(config(true), table, { buildIndexes: true, readCache: false })
    started.push(builder)
    for (let i = 0; i < 40; i++) {
      await old.update({
        id: ids[i % ids.length]!,
        collection: 'reviews',
        data: { rating: RATINGS[(i + 2) % RATINGS.length] },
      })
    }
    expect(
      await (builder.db as unknown as DynamoDBAdapter).verifyIndexes({ collection: 'reviews' }),
    ).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  }, 180_000)

  it('a process of the new config writing before the build and one of the old config after it leave nothing for the build to get wrong', async () => {
    const table = `concurrent-rollout-${randomUUID()}`
    const old = await bootOnTable(config(false), table, { buildIndexes: true, readCache: false })
    started.push(old)
    const ids = await seedReviews(old, 20)
    // A rolling deploy: processes of the new config start before the migration builds the index.
    const current = await bootOnTable(config(true), table, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(current)
    for (let i = 0; i < 10; i++) {
      await current.update({ id: ids[i]!, collection: 'reviews', data: { rating: 5 } })
      await old.update({ id: ids[i]!, collection: 'reviews', data: { rating: 2 } })
    }
    await current.create({ collection: 'reviews', data: { rating: 5, title: 'new config' } })
    const builder = await bootOnTable(config(true), table, { buildIndexes: true, readCache: false })
    started.push(builder)
    const db = builder.db as unknown as DynamoDBAdapter
    expect(await db.verifyIndexes({ collection: 'reviews' })).toMatchObject({
      clean: true,
      orphanEntries: 0,
      valueCountersOff: 0,
    })
    const all = await old.find({ collection: 'reviews', limit: 0, pagination: false })
    for (const rating of RATINGS) {
      const where = { rating: { equals: rating } }
      expect((await builder.count({ collection: 'reviews', where })).totalDocs).toBe(
        all.docs.filter((doc) => doc.rating === rating).length,
      )
    }
  }, 180_000)
})
