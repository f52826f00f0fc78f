/**
 * Conditions whose value stands for "no value", and counts from compound indexes, answered
 * through the indexes (collections not held in memory) as db-sqlite answers them:
 * - `author equals 'null'` (what REST sends for `?where[author][equals]=null`) matches the posts
 *   without an author: 'null' is not the id "null";
 * - `author.name in [null, 'x']` and `author.born equals ''` match posts without an author, so
 *   they imply nothing about the `author` index;
 * - a compound index whose later part has several values (`[code, labels]`) holds an entry per
 *   combination: a count through it counts documents, not entries (checked against the same
 *   table answered from memory, where the evaluator decides).
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'

import type { Booted } from '../support/bootPayload.js'

import { bootBoth, bootOnTable, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'authors',
      fields: [
        { name: 'name', type: 'text' },
        { name: 'born', type: 'date' },
        { name: 'age', type: 'number' },
      ],
    },
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'author', type: 'relationship', index: true, relationTo: 'authors' },
        { name: 'published', type: 'checkbox' },
        { name: 'views', type: 'number' },
        { name: 'publishedAt', type: 'date' },
      ],
    },
  ],
  db,
  secret: 'null-like-queries',
  telemetry: false,
  typescript: { autoGenerate: false },
})

async function seed(payload: Payload): Promise<void> {
  const authors: (number | string)[] = []
  for (let i = 0; i < 3; i++) {
    const born = i === 0 ? null : `198${i}-01-01T00:00:00.000Z`
    authors.push(
      (await payload.create({ collection: 'authors', data: { age: 30 + i, born, name: `a${i}` } }))
        .id,
    )
  }
  for (let i = 0; i < 12; i++) {
    await payload.create({
      collection: 'posts',
      data: {
        author: i % 4 === 3 ? null : authors[i % 3],
        published: [true, false, null][i % 3],
        publishedAt: i % 2 === 0 ? '2024-03-15T12:00:00.000Z' : `2024-04-1${i % 10}T00:00:00.000Z`,
        views: i % 5 === 0 ? null : i === 7 ? 7.5 : i,
        title: `p${i}`,
      },
    })
  }
}

describe('conditions that stand for no value, through the indexes', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, THROUGH_INDEXES)
    await Promise.all([seed(dynamo.payload), seed(sqlite.payload)])
  }, 120_000)

  afterAll(async () => {
    await closeAll(dynamo, sqlite)
  })

  const answer = async (booted: Booted, where: Where) => {
    const found = await booted.payload.find({
      collection: 'posts',
      depth: 0,
      limit: 0,
      pagination: false,
      where,
    })
    const counted = await booted.payload.count({ collection: 'posts', where })
    return {
      count: counted.totalDocs,
      titles: found.docs.map((doc) => doc.title as string).sort(),
    }
  }

  it.each([
    { author: { equals: 'null' } },
    { 'author.name': { in: [null, 'a1'] } },
    { 'author.name': { in: 'a1,null' } },
    { 'author.born': { equals: 'null' } },
    { 'author.born': { equals: '' } },
    // Values the field's type turns into null: a NULL row (no author) matches them in db-sqlite.
    { 'author.age': { equals: 'abc' } },
    { 'author.age': { like: 'abc' } },
    { 'author.name': { in: true } },
    // A checkbox compared with other values: db-sqlite binds them as 1 (truthy) or 0.
    { published: { equals: '1' } },
    { published: { equals: '0' } },
    { published: { equals: 'abc' } },
    { published: { equals: '' } },
    { published: { in: ['1'] } },
    { published: { not_equals: '1' } },
    // not_like binds its value as the field's column does.
    { publishedAt: { not_like: '2024-03-15T12:00:00Z' } },
    { views: { not_like: '3' } },
    { views: { not_like: '3.0' } },
    { views: { not_like: '7.5' } },
    { published: { not_like: 'true' } },
  ] as unknown as Where[])("%j: db-sqlite's answer", async (where) => {
    const expected = await answer(sqlite, where)
    expect(expected.count).toBeGreaterThan(0)
    expect(await answer(dynamo, where)).toEqual(expected)
  })

  it("a number not_like a value that is no number: nothing, db-sqlite's answer", async () => {
    const where = { views: { not_like: 'abc' } } as Where
    const expected = await answer(sqlite, where)
    expect(expected.count).toBe(0)
    expect(await answer(dynamo, where)).toEqual(expected)
  })
})

describe('a count through a compound index with a multi-valued later part', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('counts documents, not entries', async () => {
    const compound = (db: DatabaseAdapterObj): Config => ({
      collections: [
        {
          slug: 'items',
          fields: [
            { name: 'code', type: 'text' },
            { name: 'published', type: 'date' },
            { name: 'labels', type: 'text', hasMany: true },
          ],
          indexes: [
            { fields: ['code', 'labels'], unique: true },
            { fields: ['published', 'labels'] },
          ],
        },
      ],
      db,
      secret: 'compound-counts',
      telemetry: false,
    })
    const tableName = `compound-counts-${randomUUID()}`
    const indexed = await bootOnTable(compound, tableName, { readCache: false })
    const memory = await bootOnTable(compound, tableName)
    started.push(indexed, memory)
    for (let i = 0; i < 6; i++) {
      await indexed.create({
        collection: 'items',
        data: {
          code: `c${i % 2}`,
          labels: Array.from({ length: 1 + (i % 3) }, (_, k) => `l${i}-${k}`),
          published: `2024-0${1 + i}-01T00:00:00.000Z`,
        },
      })
    }
    for (const where of [
      { code: { equals: 'c1' } },
      { published: { greater_than: '2024-02-15T00:00:00.000Z' } },
    ] as Where[]) {
      const expected = (await memory.count({ collection: 'items', where })).totalDocs
      expect(expected).toBeGreaterThan(2)
      expect((await indexed.count({ collection: 'items', where })).totalDocs).toBe(expected)
      expect((await indexed.find({ collection: 'items', limit: 2, where })).totalDocs).toBe(
        expected,
      )
    }
  })
})
