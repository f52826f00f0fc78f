/**
 * Several processes of a config that adds an index start at once, and each builds the new index
 * on start (`buildIndexes`, on outside production), while a process of the same config that does
 * not build keeps changing the indexed field. They must end with exactly one entry per document,
 * exact value counts and `verifyIndexes` clean. (A process of the previous config writing during
 * the build is outside the deploy order of docs/migrations.md: it does not know the index.)
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'

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
    const ids: (number | string)[] = []
    for (let i = 0; i < DOCUMENTS; i++) {
      const doc = await before.create({
        collection: 'reviews',
        data: { rating: RATINGS[i % RATINGS.length], title: `review ${i}` },
      })
      ids.push(doc.id)
    }

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

  it('a process of the previous config writing during the build: repairIndexes puts entries and value counters right', async () => {
    const table = `concurrent-build-old-${randomUUID()}`
    const old = await bootOnTable(config(false), table, { buildIndexes: true })
    started.push(old)
    const ids: (number | string)[] = []
    for (let i = 0; i < 150; i++) {
      const doc = await old.create({
        collection: 'reviews',
        data: { rating: RATINGS[i % RATINGS.length], title: `review ${i}` },
      })
      ids.push(doc.id)
    }
    // Outside the deploy order of docs/migrations.md: the old process keeps writing while a
    // process of the new config builds, so the index misses what it writes.
    let writing = true
    const writer = (async () => {
      for (let i = 0; writing || i < 20; i++) {
        await old.update({
          id: ids[(i * 7) % ids.length]!,
          collection: 'reviews',
          data: { rating: RATINGS[(i * 3) % RATINGS.length] },
        })
      }
    })()
    const builder = await bootOnTable(config(true), table, { buildIndexes: true, readCache: false })
    started.push(builder)
    writing = false
    await writer
    // Then the new version writes the documents the old one moved (counting them from stale marks).
    for (let i = 0; i < 20; i++) {
      await builder.update({
        id: ids[(i * 7) % ids.length]!,
        collection: 'reviews',
        data: { rating: RATINGS[(i + 1) % RATINGS.length] },
      })
    }
    const db = builder.db as unknown as DynamoDBAdapter
    const drifted = await db.verifyIndexes({ collection: 'reviews' })
    expect(drifted.clean).toBe(false)
    expect(drifted.valueCountersOff).toBeGreaterThan(0)

    const report = await db.repairIndexes({ collection: 'reviews' })
    expect(report.valueCountersFixed).toBeGreaterThan(0)
    expect(report.valueCountersUnsettled).toBe(false)
    expect(await db.verifyIndexes({ collection: 'reviews' })).toMatchObject({ clean: true })
    // And the counters stay right under the new version's writes.
    for (let i = 0; i < 10; i++) {
      await builder.update({
        id: ids[(i * 11) % ids.length]!,
        collection: 'reviews',
        data: { rating: RATINGS[(i * 2) % RATINGS.length] },
      })
    }
    const all = await builder.find({ collection: 'reviews', limit: 0, pagination: false })
    for (const rating of RATINGS) {
      const where = { rating: { equals: rating } }
      expect((await builder.count({ collection: 'reviews', where })).totalDocs).toBe(
        all.docs.filter((doc) => doc.rating === rating).length,
      )
    }
    expect(await db.verifyIndexes({ collection: 'reviews' })).toMatchObject({ clean: true })
  }, 180_000)
})
