/**
 * Queries as Payload's REST API passes them (every value a string, lists comma-separated), through
 * Payload's own endpoint handler, on db-sqlite and on this adapter (answered from memory and
 * through its indexes): the same documents in the same order.
 *
 * - `author.id` is the relationship's own value, as db-sqlite reads it: a post without an author
 *   is not in `author.id equals 1` but is in `author.id not_in 1` (before: it was judged as a
 *   missing related document, and `not_in` left it out; `equals 'abc'` matched it when the
 *   authors' ids are numbers);
 * - a list's `null` is an id, not "no relationship" (`author in 1,null`: before, posts without
 *   an author matched);
 * - a query string's numbers are read by parseFloat (`n in 0x10` is 0, before 16 through the
 *   index and the evaluator alike);
 * - hasMany fields are sorted by (before, the sort was ignored): documents holding one value in
 *   its order, those holding none first ascending, last descending.
 * - a boolean given for a number field (Local API) matches no number, as on db-sqlite (which binds
 *   it as text) and db-mongodb (before: read as 1 or 0); a `not_in` of only values a number field
 *   cannot hold (`[true]`, REST's `abc`) keeps the documents with a value (before: every one).
 */
import type { CollectionConfig, Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildConfig, getPayload, handleEndpoints } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { testDynamoAdapter, THROUGH_INDEXES } from '../support/bootPayload.js'

const open = { create: () => true, delete: () => true, read: () => true, update: () => true }

const collections = (): CollectionConfig[] => [
  {
    slug: 'authors',
    access: open,
    fields: [
      { name: 'id', type: 'number' },
      { name: 'name', type: 'text' },
    ],
  },
  { slug: 'cats', access: open, fields: [{ name: 'label', type: 'text' }] },
  {
    slug: 'posts',
    access: open,
    fields: [
      { name: 'id', type: 'text' },
      { name: 'title', type: 'text' },
      { name: 'n', type: 'number', index: true },
      { name: 'nPlain', type: 'number' },
      { name: 'author', type: 'relationship', index: true, relationTo: 'authors' },
      { name: 'authorPlain', type: 'relationship', relationTo: 'authors' },
      { name: 'cat', type: 'relationship', index: true, relationTo: 'cats' },
      { name: 'nums', type: 'number', hasMany: true },
      { name: 'words', type: 'text', hasMany: true },
      { name: 'many', type: 'relationship', hasMany: true, relationTo: 'authors' },
    ],
  },
]

type Lane = {
  catIDs: (number | string)[]
  close: () => Promise<void>
  key: string
  payload: Payload
}

async function start(db: DatabaseAdapterObj, file?: string): Promise<Lane> {
  const given: Config = {
    collections: collections(),
    db,
    logger: { options: { level: 'warn' } },
    secret: 'rest-query-values',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
  const key = `rest-values-${randomUUID()}`
  const payload = await getPayload({ config: await buildConfig(given), key })
  for (const id of [1, 2]) {
    await payload.create({ collection: 'authors', data: { id, name: `a${id}` } })
  }
  const catIDs: (number | string)[] = []
  for (const label of ['c1', 'c2']) {
    catIDs.push((await payload.create({ collection: 'cats', data: { label } })).id)
  }
  // At most one value in each hasMany field: db-sqlite orders a document holding several by
  // one of its rows, not by a rule (here: the smallest ascending, the largest descending).
  const posts = [
    { id: 'p1', author: 1, cat: catIDs[0], many: [2], n: 1, nums: [5], title: 'a', words: ['m'] },
    { id: 'p2', author: 2, cat: catIDs[1], many: [1], n: 16, nums: [3], title: 'b', words: ['b'] },
    { id: 'p3', title: 'c' },
    { id: 'p4', n: 0, nums: [1], title: 'd', words: ['z'] },
  ]
  for (const post of posts) {
    await payload.create({
      collection: 'posts',
      data: { ...post, authorPlain: post.author, nPlain: post.n },
    })
  }
  return {
    catIDs,
    close: async () => {
      await payload.destroy()
      if (file) {
        rmSync(file, { force: true })
      }
    },
    key,
    payload,
  }
}

/** The ids of a REST find's page, in its order. */
async function rest(lane: Lane, query: string): Promise<string[]> {
  const response = await handleEndpoints({
    config: lane.payload.config,
    payloadInstanceCacheKey: lane.key,
    request: new Request(`http://localhost/api/posts?${query}&limit=0&depth=0`),
  })
  expect(response.status).toBe(200)
  const body = (await response.json()) as { docs: { id: string }[] }
  return body.docs.map((doc) => doc.id)
}

describe('REST query values, as db-sqlite answers them', () => {
  const file = join(tmpdir(), `rest-values-${randomUUID()}.db`)
  let sqlite: Lane
  let lanes: Lane[]

  beforeAll(async () => {
    sqlite = await start(sqliteAdapter({ client: { url: `file:${file}` }, push: true }), file)
    lanes = [
      await start(testDynamoAdapter()),
      await start(testDynamoAdapter(undefined, THROUGH_INDEXES)),
    ]
  }, 300_000)

  afterAll(async () => {
    await Promise.all([sqlite, ...lanes].map((lane) => lane?.close()))
  })

  /**
   * Each query's ids on every lane (`unordered`: sorted, where only membership is compared);
   * `{c1}`/`{c2}` stand for the lane's category ids.
   */
  async function expectSame(queries: string[], unordered = true) {
    const answers = async (lane: Lane) =>
      Promise.all(
        queries.map(async (query) => {
          const sent = query
            .replace('{c1}', String(lane.catIDs[0]))
            .replace('{c2}', String(lane.catIDs[1]))
          const ids = await rest(lane, sent)
          return `${query}: ${(unordered ? ids.sort() : ids).join(' ')}`
        }),
      )
    const expected = await answers(sqlite)
    for (const lane of lanes) {
      expect(await answers(lane)).toEqual(expected)
    }
    return expected
  }

  it('`<relationship>.id` is the relationship value itself', async () => {
    const expected = await expectSame([
      'where[cat.id][not_in]={c1}',
      'where[cat.id][equals]={c2}',
      'where[author.id][not_in]=1',
      'where[authorPlain.id][not_in]=1',
      'where[author.id][equals]=abc',
      'where[authorPlain.id][equals]=abc',
      'where[author.id][in]=1,2',
      'where[author.id][exists]=false',
    ])
    expect(expected).toContain('where[author.id][not_in]=1: p2 p3 p4')
    const local = async (lane: Lane, where: Where) =>
      (await lane.payload.find({ collection: 'posts', depth: 0, where })).docs.map((doc) => doc.id)
    for (const lane of [sqlite, ...lanes]) {
      expect(await local(lane, { 'author.id': { equals: 'abc' } })).toEqual([])
    }
    // Planned as the relationship itself: read through its index, not the whole collection.
    const db = lanes[1].payload.db as unknown as DynamoDBAdapter
    for (const where of [
      { 'author.id': { equals: 1 } },
      { 'cat.id': { in: lanes[1].catIDs } },
      { 'many.id': { equals: 2 } },
    ] as Where[]) {
      expect((await db.explain({ collection: 'posts', where })).plan.kind).toBe('index')
    }
  })

  it("a list's null is an id, and numbers in a list are read by parseFloat", async () => {
    const expected = await expectSame([
      'where[author][in]=1,null',
      'where[authorPlain][in]=1,null',
      'where[n][in]=0x10',
      'where[nPlain][in]=0x10',
      'where[n][in]=1abc,16',
      'where[nPlain][in]=1abc,16',
      'where[n][not_in]=0x10,16',
      'where[n][not_in]=abc',
      'where[nPlain][not_in]=abc',
    ])
    expect(expected).toContain('where[author][in]=1,null: p1')
    expect(expected).toContain('where[n][in]=0x10: p4')
    expect(expected).toContain('where[n][not_in]=abc: p1 p2 p4')
  })

  it('a boolean compared with a number field matches no number (Local API)', async () => {
    const queries: Where[] = [
      { n: { equals: true } },
      { nPlain: { equals: false } },
      { n: { in: [true] } },
      { nPlain: { in: [false, 16] } },
      { n: { not_equals: true } },
      { nPlain: { greater_than: false } },
      { nums: { equals: true } },
      { nums: { in: [true, false] } },
      { n: { not_in: [true] } },
      { nPlain: { not_in: [false] } },
      { nums: { not_in: [true] } },
    ]
    const answers = (lane: Lane) =>
      Promise.all(
        queries.map(async (where) => {
          const { docs } = await lane.payload.find({ collection: 'posts', depth: 0, where })
          return `${JSON.stringify(where)}: ${docs
            .map((doc) => doc.id)
            .sort()
            .join(' ')}`
        }),
      )
    const expected = await answers(sqlite)
    expect(expected).toContain('{"n":{"equals":true}}: ')
    expect(expected).toContain('{"n":{"not_equals":true}}: p1 p2 p3 p4')
    expect(expected).toContain('{"n":{"not_in":[true]}}: p1 p2 p4')
    for (const lane of lanes) {
      expect(await answers(lane)).toEqual(expected)
    }
  })

  it('hasMany number, text and relationship fields sort their documents', async () => {
    const expected = await expectSame(
      ['nums', '-nums', 'words', '-words', 'many', '-many', 'nums,title'].map(
        (sort) => `sort=${sort}`,
      ),
      false,
    )
    expect(expected).toContain('sort=nums: p3 p4 p2 p1')
  })
})
