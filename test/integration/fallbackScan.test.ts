/**
 * The fallback (a query no index serves reads the collection partition page by page, keeping a
 * bounded top-k and a running count): its pages, totals and orders equal db-sqlite's, with ties,
 * nulls, relationship sorts and pages past the end, over a collection that spans several
 * DynamoDB pages (documents of ~40 KB, so a 1 MB page holds about 25).
 */
import type { Config, DatabaseAdapterObj, PayloadRequest, Sort, Where } from 'payload'

import { initTransaction, killTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, boot } from '../support/bootPayload.js'

const ENTRIES = 80
const WRITERS = 6
const PADDING = 'x'.repeat(40_000)

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'writers',
        fields: [{ name: 'name', type: 'text' }],
      },
      {
        slug: 'entries',
        fields: [
          // None indexed: every query here is answered by the fallback.
          { name: 'code', type: 'text' },
          { name: 'group', type: 'text' },
          { name: 'score', type: 'number' },
          { name: 'writer', type: 'relationship', relationTo: 'writers' },
          { name: 'padding', type: 'textarea' },
        ],
      },
    ],
    db,
    secret: 'fallback-scan-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 2))

async function seed(booted: Booted): Promise<void> {
  const { payload } = booted
  const writers: (number | string)[] = []
  for (let i = 0; i < WRITERS; i++) {
    // Writer 5 has no name (a null sort key); writers 1 and 4 share one (ties).
    const name = i === 5 ? undefined : i === 4 ? 'writer 1' : `writer ${i}`
    writers.push((await payload.create({ collection: 'writers', data: { name } })).id)
  }
  for (let i = 0; i < ENTRIES; i++) {
    await payload.create({
      collection: 'entries',
      data: {
        code: `e${String(i).padStart(3, '0')}`,
        // Few distinct values (ties), and some missing (nulls).
        group: i % 9 === 0 ? undefined : `g${i % 4}`,
        padding: PADDING,
        score: i % 7 === 0 ? undefined : i % 5,
        // Each writer's entries are created together, so they sit on one or two of the
        // partition's pages: a sort by writer must order documents of different pages.
        writer: i % 11 === 0 ? undefined : writers[Math.floor((i * WRITERS) / ENTRIES)],
      },
    })
    // Distinct createdAt, so the default tie-break is the same order on both databases.
    await pause()
  }
}

type Case = {
  limit?: number
  name: string
  page?: number
  /** The where is checked by DynamoDB too (a FilterExpression): fewer, fuller pages come back. */
  pushed?: boolean
  sort?: Sort
  where?: Where
}

const cases: Case[] = [
  // Unfiltered in the default order, a list is served by the createdAt index: filtered here.
  { name: 'default order, page 1', limit: 10, where: { score: { not_equals: 4 } } },
  { name: 'default order, page 3', limit: 10, page: 3, where: { group: { not_equals: 'g2' } } },
  { name: 'sort by score (ties, nulls first)', limit: 7, sort: 'score' },
  { name: 'sort by -score, page 4 (nulls last)', limit: 7, page: 4, sort: '-score' },
  { name: 'sort by group then -score', limit: 9, page: 2, sort: ['group', '-score'] },
  {
    pushed: true,
    name: 'filtered, sorted by score',
    limit: 5,
    sort: 'score',
    where: { group: { in: ['g1', 'g2'] } },
  },
  {
    pushed: true,
    name: 'filtered, page 2',
    limit: 5,
    page: 2,
    sort: '-group',
    where: { score: { greater_than: 1 } },
  },
  {
    pushed: true,
    name: 'nulls filtered',
    limit: 6,
    page: 2,
    sort: 'group',
    where: { score: { exists: false } },
  },
  { name: 'relationship sort', limit: 8, sort: 'writer.name' },
  { name: 'relationship sort, page 5', limit: 8, page: 5, sort: '-writer.name' },
  {
    pushed: true,
    name: 'relationship sort, filtered',
    limit: 4,
    page: 2,
    sort: 'writer.name',
    where: { group: { equals: 'g3' } },
  },
  {
    name: 'relationship sort, named writers only',
    limit: 10,
    page: 2,
    sort: 'writer.name',
    where: { 'writer.name': { exists: true } },
  },
  {
    name: 'relationship sort descending, named writers only',
    limit: 12,
    sort: '-writer.name',
    where: { 'writer.name': { exists: true } },
  },
  { name: 'page past the end', limit: 10, page: 12, sort: 'score' },
  { pushed: true, name: 'no match', limit: 10, where: { code: { equals: 'none' } } },
  {
    name: 'limit 0: every match, in order',
    limit: 0,
    sort: '-score',
    where: { group: { not_equals: 'g0' } },
  },
]

describe('the fallback scan equals db-sqlite', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
    sqlite = await boot(config, 'sqlite')
    await seed(dynamo)
    await seed(sqlite)
  })

  afterAll(async () => {
    await dynamo?.close()
    await sqlite?.close()
  })

  const answer = async (booted: Booted, query: Case) => {
    const result = await booted.payload.find({
      collection: 'entries',
      depth: 0,
      limit: query.limit,
      page: query.page,
      select: { code: true },
      sort: query.sort,
      where: query.where,
    })
    const { docs, ...pagination } = result
    return { codes: docs.map((doc) => doc.code), pagination }
  }

  it.each(cases)('$name', async (query) => {
    const expected = await answer(sqlite, query)
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const before = adapter.stats.snapshot().requestsByCommand.Query ?? 0
    expect(await answer(dynamo, query)).toEqual(expected)
    // The partition was read in several pages (the case exercises the page-by-page merge).
    const pages = (adapter.stats.snapshot().requestsByCommand.Query ?? 0) - before
    expect(pages).toBeGreaterThanOrEqual(query.pushed ? 1 : 3)
  })

  it.each([
    { field: 'group', sort: 'group' },
    { field: 'score', sort: '-score', where: { group: { not_equals: 'g1' } } },
    { field: 'writer.name', sort: 'writer.name', where: { score: { less_than: 4 } } },
    { field: 'group', sort: '-score' },
  ] as { field: string; sort: string; where?: Where }[])(
    'findDistinct of $field sorted by $sort over several pages',
    async ({ field, sort, where }) => {
      const distinct = (booted: Booted) =>
        booted.payload.findDistinct({
          collection: 'entries',
          depth: 0,
          field: field as 'group',
          sort,
          where,
        })
      const expected = await distinct(sqlite)
      const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
      const before = adapter.stats.snapshot().requestsByCommand.Query ?? 0
      const ours = await distinct(dynamo)
      expect(ours.values.length).toBeGreaterThan(2)
      expect(ours).toEqual(expected)
      // Read (and, sorted by the field itself, folded into values) page by page.
      expect((adapter.stats.snapshot().requestsByCommand.Query ?? 0) - before).toBeGreaterThan(2)
    },
  )

  it('findDistinct in a transaction sees its staged writes, and not after they are undone', async () => {
    const { payload } = dynamo
    const req = { payload } as PayloadRequest
    await initTransaction(req)
    await payload.create({
      collection: 'entries',
      data: { code: 'staged', group: 'g-staged', padding: 'x', score: 2 },
      req,
    })
    const groups = async (inside?: PayloadRequest) =>
      (
        await payload.findDistinct({
          collection: 'entries',
          field: 'group',
          req: inside,
          sort: 'group',
        })
      ).values.map((value) => value.group)
    expect(await groups(req)).toContain('g-staged')
    expect(await groups()).not.toContain('g-staged')
    await killTransaction(req)
    expect(await groups()).toEqual([null, 'g0', 'g1', 'g2', 'g3'])
  })

  it('uses the fallback for these queries', async () => {
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const explained = await adapter.explain({
      collection: 'entries',
      sort: 'score',
      where: { score: { equals: 2 } },
    })
    expect(explained.plan.kind).toBe('partition')
  })

  it('counts every match', async () => {
    for (const where of [undefined, { score: { less_than: 3 } }, { group: { exists: false } }] as (
      Where | undefined
    )[]) {
      const expected = await sqlite.payload.count({ collection: 'entries', where })
      expect(await dynamo.payload.count({ collection: 'entries', where })).toEqual(expected)
    }
  })
})
