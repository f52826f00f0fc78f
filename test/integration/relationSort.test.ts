/**
 * A list sorted by a relationship to a collection with number ids: index entries key the ids as
 * text ('10' before '9'), while db-sqlite (and the comparator) orders them as numbers. Walking the
 * relationship's index must not give the page its order: the pages are db-sqlite's.
 */
import type { Config, DatabaseAdapterObj, Sort, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, bootBoth, closeAll } from '../support/bootPayload.js'

const AUTHORS = 20
const POSTS = 60

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'authors',
        fields: [
          { name: 'id', type: 'number' },
          { name: 'name', type: 'text' },
        ],
      },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'author', type: 'relationship', index: true, relationTo: 'authors' },
        ],
      },
    ],
    db,
    secret: 'relation-sort-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

async function seed(booted: Booted): Promise<void> {
  for (let id = 1; id <= AUTHORS; id++) {
    await booted.payload.create({ collection: 'authors', data: { id, name: `Author ${id}` } })
  }
  for (let i = 0; i < POSTS; i++) {
    await booted.payload.create({
      collection: 'posts',
      data: { author: ((i * 7) % AUTHORS) + 1, title: `Post ${i}` },
    })
  }
}

describe('a page sorted by a relationship to number ids', () => {
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
      limit: 5,
      page: pageNumber,
      sort: [sort as string, 'title'],
      where,
    })
    return {
      posts: found.docs.map((doc) => `${doc.title}:${String(doc.author)}`),
      totalDocs: found.totalDocs,
    }
  }

  it.each([
    { sort: 'author', where: {} },
    { sort: '-author', where: {} },
    { sort: 'author', where: { author: { in: [9, 10] } } },
    { sort: '-author', where: { author: { in: [2, 10, 19] } } },
  ])("sorted by $sort where $where: db-sqlite's pages", async ({ sort, where }) => {
    for (const pageNumber of [1, 2, 4]) {
      expect(await page(dynamo, where as Where, sort, pageNumber)).toEqual(
        await page(sqlite, where as Where, sort, pageNumber),
      )
    }
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const explained = await adapter.explain({
      collection: 'posts',
      limit: 5,
      sort,
      where: where as Where,
    })
    expect(explained.plan).not.toMatchObject({ ordered: true })
  })
})
