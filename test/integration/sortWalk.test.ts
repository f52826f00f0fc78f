/**
 * An indexed equality sorted by another indexed field: rather than fetching every candidate of
 * the equality (or reading the partition) to order them, the page is read by walking the sort
 * field's index in order and checking each document, when the candidates' count says that reads
 * fewer documents; the total still comes from the equality's value counters. Answers are
 * db-sqlite's.
 */
import type { Config, DatabaseAdapterObj, Sort, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, bootBoth, closeAll } from '../support/bootPayload.js'

const STATUSES = ['draft', 'review', 'published', 'archived']
const POSTS = 320

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'body', type: 'textarea' },
          { name: 'status', type: 'select', index: true, options: STATUSES },
          { name: 'views', type: 'number', index: true },
        ],
      },
    ],
    db,
    secret: 'sort-walk-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

async function seed(booted: Booted): Promise<void> {
  for (let i = 0; i < POSTS; i++) {
    await booted.payload.create({
      collection: 'posts',
      data: {
        // Large enough that reading the partition, or every candidate, costs more than a walk.
        body: `${i} `.repeat(900),
        status: STATUSES[i % 4],
        title: `Post ${i}`,
        // Ties: views repeat every 100 posts; some posts have none (ordered as db-sqlite orders NULL).
        views: i % 9 === 0 ? null : (i * 37) % 100,
      },
    })
  }
}

describe('a page sorted by an indexed field, filtered by an indexed equality', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, THROUGH_INDEXES)
    await Promise.all([seed(dynamo), seed(sqlite)])
  }, 120_000)

  afterAll(async () => {
    await closeAll(dynamo, sqlite)
  })

  const page = async (booted: Booted, where: Where, sort: Sort, pageNumber: number) => {
    const found = await booted.payload.find({
      collection: 'posts',
      depth: 0,
      limit: 10,
      page: pageNumber,
      select: { title: true, views: true },
      sort,
      where,
    })
    return {
      titles: found.docs.map((doc) => `${doc.title}:${doc.views}`),
      totalDocs: found.totalDocs,
      totalPages: found.totalPages,
    }
  }

  it.each([
    { sort: '-views', where: { status: { equals: 'published' } } },
    { sort: 'views', where: { status: { equals: 'review' } } },
    { sort: '-views', where: { status: { in: ['draft', 'archived'] } } },
  ])(
    "walks the sort index for $where sorted by $sort: db-sqlite's pages",
    async ({ sort, where }) => {
      for (const pageNumber of [1, 2, 5]) {
        expect(await page(dynamo, where, sort, pageNumber)).toEqual(
          await page(sqlite, where, sort, pageNumber),
        )
      }
      const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
      const explained = await adapter.explain({ collection: 'posts', limit: 10, sort, where })
      expect(explained.plan).toMatchObject({ kind: 'index', ordered: true })
      expect(explained.plan.reads?.[0].index).toBe('views')
      expect(explained.plan.countRead?.index).toBe('status')
      expect(explained.description).toContain('index views in')
      expect(explained.description).toContain('counted from index status')
      expect(explained.totalDocs).toBe((await page(sqlite, where, sort, 1)).totalDocs)
      // Fetching the candidates reads each one's entry and document (2 x 80 or 2 x 160 items), the
      // partition 320 documents; the walk reads about a page over the match rate, twice (entries
      // and documents), plus the counters it weighs and totals with.
      const candidates = explained.totalDocs ?? 0
      expect(explained.itemsRead).toBeLessThan(2 * candidates)
      expect(explained.itemsRead).toBeLessThan(POSTS)
    },
  )

  it('totals a range that also holds an `in` of more than 25 values as db-sqlite does', async () => {
    const many = Array.from({ length: 30 }, (_, index) => index * 2)
    for (const where of [
      { views: { greater_than: 0, in: many } },
      { views: { in: many, less_than_equal: 90 } },
    ] as Where[]) {
      const [ours, theirs] = await Promise.all(
        [dynamo, sqlite].map(async (booted) => ({
          count: (await booted.payload.count({ collection: 'posts', where })).totalDocs,
          page: await page(booted, where, 'views', 2),
        })),
      )
      expect(ours).toEqual(theirs)
    }
  })

  it.each(['+views', ' views', '-+views'])(
    "a sort that names no field (%j) orders by the default, as db-sqlite's",
    async (sort) => {
      for (const where of [{}, { status: { equals: 'published' } }] as Where[]) {
        for (const pageNumber of [1, 3]) {
          expect(await page(dynamo, where, sort, pageNumber)).toEqual(
            await page(sqlite, where, sort, pageNumber),
          )
        }
      }
    },
  )

  it('stays exact while writers move documents between values and sort positions', async () => {
    const ids = async (booted: Booted) =>
      (
        await booted.payload.find({
          collection: 'posts',
          depth: 0,
          limit: 0,
          pagination: false,
          select: { title: true },
          sort: 'title',
        })
      ).docs.map((doc) => doc.id)
    const [ours, theirs] = [await ids(dynamo), await ids(sqlite)]
    // Eight writers, each on its own documents (so the final state does not depend on timing),
    // while walks run; the same updates are applied to db-sqlite.
    const update = (booted: Booted, list: (number | string)[], lane: number) => async () => {
      for (let i = lane; i < 64; i += 8) {
        await booted.payload.update({
          collection: 'posts',
          data: { status: STATUSES[(i * 3) % 4], views: (i * 53) % 100 },
          depth: 0,
          id: list[i * 5],
        })
      }
    }
    const walking = (async () => {
      for (let i = 0; i < 10; i++) {
        await page(dynamo, { status: { equals: 'published' } }, '-views', 1)
      }
    })()
    await Promise.all([
      walking,
      ...Array.from({ length: 8 }, (_, lane) => update(dynamo, ours, lane)()),
    ])
    for (let lane = 0; lane < 8; lane++) {
      await update(sqlite, theirs, lane)()
    }
    for (const where of [
      { status: { equals: 'published' } },
      { status: { in: ['draft', 'review'] } },
    ]) {
      for (const pageNumber of [1, 3]) {
        expect(await page(dynamo, where, '-views', pageNumber)).toEqual(
          await page(sqlite, where, '-views', pageNumber),
        )
      }
    }
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    expect(await adapter.verifyIndexes({ collection: 'posts' })).toMatchObject({ clean: true })
  })

  it('fetches the candidates instead when a walk would read more (a deep page)', async () => {
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const where = { status: { equals: 'archived' } }
    const explained = await adapter.explain({
      collection: 'posts',
      limit: 10,
      page: 7,
      sort: '-views',
      where,
    })
    // 70 matches wanted out of 80: walking the views index would read nearly every document.
    expect(explained.plan.reads?.[0].index).not.toBe('views')
    expect(await page(dynamo, where, '-views', 7)).toEqual(await page(sqlite, where, '-views', 7))
  })
})
