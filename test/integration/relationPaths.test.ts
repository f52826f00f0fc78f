/**
 * A condition on a related document's field (`author.name equals 'x'`) is answered through the
 * relationship's index: the related ids are looked up once, and only the documents pointing at
 * them are read, with the same answer as db-sqlite's join, including documents whose related
 * document is gone. (Operators that a missing related document satisfies, `not_equals` and
 * `exists: false`, keep reading the collection; after a delete db-sqlite's foreign keys also set
 * the reference to null while this adapter keeps the id, so they are not compared here.)
 */
import type { CollectionConfig, Payload, Where } from 'payload'

import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamodbLocal.mjs'

// buildConfig adds Payload's own collections to the array it is given: one array per config.
const collections = (): CollectionConfig[] => [
  { slug: 'authors', fields: [{ name: 'name', type: 'text' }] },
  {
    slug: 'posts',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'author', type: 'relationship', relationTo: 'authors' },
    ],
  },
]

async function boot(db: ReturnType<typeof dynamodbAdapter> | ReturnType<typeof sqliteAdapter>) {
  const config = await buildConfig({
    collections: collections(),
    db,
    secret: 'relation-paths-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  return getPayload({ config, key: `relation-${randomUUID()}` })
}

let dynamo: Payload
let sqlite: Payload

async function seed(payload: Payload) {
  const authors = []
  for (let i = 0; i < 5; i++) {
    authors.push(await payload.create({ collection: 'authors', data: { name: `Author ${i}` } }))
  }
  for (let i = 0; i < 30; i++) {
    await payload.create({
      collection: 'posts',
      data: { author: i % 6 === 5 ? null : authors[i % 5].id, title: `Post ${i}` },
    })
  }
  // Posts of author 4 now point at a missing author (a row of NULLs in a join).
  await payload.delete({ id: authors[4].id, collection: 'authors' })
}

beforeAll(async () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT as string
  dynamo = await boot(
    dynamodbAdapter({
      clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
      logFallbackQueries: false,
      // This test looks at index plans and requests, not at answers from memory.
      readCache: false,
      tableName: `relation-${randomUUID()}`,
    }),
  )
  const dir = mkdtempSync(path.join(tmpdir(), 'relation-paths-'))
  sqlite = await boot(sqliteAdapter({ client: { url: `file:${path.join(dir, 'db.sqlite')}` } }))
  await seed(dynamo)
  await seed(sqlite)
})

afterAll(async () => {
  await dynamo?.destroy()
  await sqlite?.destroy()
})

const titles = async (payload: Payload, where: Where, page = 1) => {
  const found = await payload.find({ collection: 'posts', limit: 4, page, sort: 'title', where })
  return { titles: found.docs.map((doc) => doc.title), totalDocs: found.totalDocs }
}

const cases: Where[] = [
  { 'author.name': { equals: 'Author 2' } },
  { 'author.name': { in: ['Author 1', 'Author 3'] } },
  { 'author.name': { like: 'author' } },
  { 'author.name': { equals: 'Author 4' } }, // deleted: nothing points at an existing author 4
  { 'author.name': { equals: 'nobody' } },
  { and: [{ 'author.name': { equals: 'Author 1' } }, { title: { like: '1' } }] },
]

it.each(cases.map((where) => [JSON.stringify(where), where]))(
  '%s answers as db-sqlite',
  async (_, where) => {
    expect(await titles(dynamo, where as Where)).toEqual(await titles(sqlite, where as Where))
    // Past the last page db-sqlite reports totalDocs 0 for a joined query: only the docs compare.
    expect((await titles(dynamo, where as Where, 2)).titles).toEqual(
      (await titles(sqlite, where as Where, 2)).titles,
    )
    expect((await dynamo.count({ collection: 'posts', where: where as Where })).totalDocs).toBe(
      (await sqlite.count({ collection: 'posts', where: where as Where })).totalDocs,
    )
  },
)

it('reads only the posts of the matching authors, through the author index', async () => {
  const db = dynamo.db as unknown as DynamoDBAdapter
  const explained = await db.explain({
    collection: 'posts',
    where: { 'author.name': { equals: 'Author 2' } },
  })
  expect(explained.plan.kind).toBe('index')
  expect(explained.description).toContain('index author')
  expect(explained.totalDocs).toBe(5)
  // The authors' partition (5 documents), the 5 entries and the 5 posts, and the first page of
  // the entries read to see whether they are few enough to skip weighing (they are not: 5 > 4).
  expect(explained.itemsRead).toBeLessThanOrEqual(5 + 5 + 5 + 2 + 5)
  const empty = await db.explain({
    collection: 'posts',
    where: { 'author.name': { equals: 'nobody' } },
  })
  expect(empty.plan.kind).toBe('empty')
})
