/**
 * A query with equalities on two indexed fields reads the one with fewer entries. Payload's own
 * lookup of a document's newest draft (`findByID` with `draft: true`) asks its versions for
 * `version._status equals 'draft'` and `parent equals <id>`, in that order: reading the first
 * (every draft of the collection) walked all versions, a request per few, so opening a document
 * in the admin panel grew with the collection (373 requests for 400 documents). Counted from
 * their value counters, `parent` holds a few entries and is read instead.
 */
import type { Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { forgetRememberedCounts } from '../../src/read/indexCounts.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamodbLocal.mjs'

const DOCUMENTS = 80

let payload: Payload
const db = () => payload.db as unknown as DynamoDBAdapter

beforeAll(async () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT as string
  const config = await buildConfig({
    collections: [
      {
        slug: 'pages',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'kind', type: 'select', index: true, options: ['common', 'rare'] },
          { name: 'owner', type: 'text', index: true },
        ],
        versions: { drafts: true },
      },
      {
        slug: 'notes',
        fields: [
          { name: 'kind', type: 'select', index: true, options: ['common', 'rare'] },
          { name: 'owner', type: 'text', index: true },
        ],
      },
    ],
    db: dynamodbAdapter({
      clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
      logFallbackQueries: false,
      // Plans and requests are what is looked at, not answers from memory.
      readCache: false,
      tableName: `equality-choice-${randomUUID()}`,
    }),
    secret: 'equality-choice-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  payload = await getPayload({ config, key: `equality-choice-${randomUUID()}` })
  for (let i = 0; i < DOCUMENTS; i++) {
    await payload.create({
      collection: 'pages',
      data: {
        kind: i % 10 === 0 ? 'rare' : 'common',
        owner: i < 3 ? 'ada' : `owner-${i % 7}`,
        title: `page ${i}`,
      },
      draft: true,
    })
  }
})

afterAll(async () => {
  await payload?.destroy()
})

it("reads a document's newest draft through its parent, whatever the number of drafts", async () => {
  const { id } = await payload.create({
    collection: 'pages',
    data: { kind: 'common', owner: 'x', title: 'first' },
    draft: true,
  })
  await payload.update({ id, collection: 'pages', data: { title: 'second' }, draft: true })
  await payload.update({ id, collection: 'pages', data: { title: 'newest' }, draft: true })
  // The counts are remembered for a few seconds: the second read is the lookup alone.
  await payload.findByID({ id, collection: 'pages', draft: true })
  db().stats.reset()
  const doc = await payload.findByID({ id, collection: 'pages', draft: true })
  expect(doc.title).toBe('newest')
  // The document, its versions' entries under `parent`, the newest draft: a few items, not the
  // collection's 80 drafts.
  expect(db().stats.requests).toBeLessThanOrEqual(4)
  expect(db().stats.itemsRead).toBeLessThanOrEqual(12)
})

it('takes the equality with fewer entries, whichever the where names first', async () => {
  const where: Where = { and: [{ kind: { equals: 'common' } }, { owner: { equals: 'ada' } }] }
  const explained = await db().explain({ collection: 'pages', limit: 10, where })
  expect(explained.plan.kind).toBe('index')
  expect(explained.plan.reads?.map((read) => read.index)).toEqual(['owner'])
  const found = await payload.find({ collection: 'pages', limit: 0, pagination: false, where })
  expect(found.docs.map((doc) => doc.title).sort()).toEqual(['page 1', 'page 2'])
  // The other way round: `kind equals 'rare'` (8 documents) against `owner-0`'s 11.
  const rare = await db().explain({
    collection: 'pages',
    limit: 10,
    where: { and: [{ owner: { equals: 'owner-0' } }, { kind: { equals: 'rare' } }] },
  })
  // Fetching its 8 candidates is then weighed against reading the 80 documents whole.
  expect(rare.description).toMatch(/8 candidates from "kind"|index "kind"/)
  expect(rare.description).not.toMatch(/owner/)
  expect(rare.totalDocs).toBe(
    Array.from({ length: DOCUMENTS }, (_, i) => i).filter(
      (i) => i >= 3 && i % 7 === 0 && i % 10 === 0,
    ).length,
  )
})

it('counts again what it remembered before this process wrote many documents', async () => {
  const where: Where = { and: [{ kind: { equals: 'common' } }, { owner: { equals: 'ada' } }] }
  const readIndexes = async () =>
    (await db().explain({ collection: 'notes', limit: 10, where })).plan.reads?.map(
      (read) => read.index,
    )
  // Counted while the collection is empty (both 0), then remembered for a few seconds.
  await readIndexes()
  for (let i = 0; i < 30; i++) {
    await payload.create({
      collection: 'notes',
      data: { kind: 'common', owner: i < 2 ? 'ada' : `owner-${i}` },
    })
  }
  // Right after, within those seconds: 30 `common` against 2 of `ada`, not 0 against 0.
  expect(await readIndexes()).toEqual(['owner'])
})

it("keeps a large collection's counts while this process writes a few of its documents", async () => {
  const { id } = await payload.create({
    collection: 'pages',
    data: { kind: 'common', owner: 'y', title: 'kept' },
    draft: true,
  })
  await payload.update({ id, collection: 'pages', data: { title: 'kept, saved' }, draft: true })
  // Counts remembered by the tests before would expire (10 s) partway through on a slow machine,
  // and be counted again: every count this test relies on is counted here, at its start.
  forgetRememberedCounts(db())
  await payload.findByID({ id, collection: 'pages', draft: true })
  db().stats.reset()
  await payload.findByID({ id, collection: 'pages', draft: true })
  const remembered = db().stats.requests
  // Saves of other documents: a few against the collection's 80-odd drafts.
  const others = await payload.find({
    collection: 'pages',
    limit: 4,
    where: { id: { not_equals: id } },
  })
  for (const other of others.docs) {
    await payload.update({
      id: other.id,
      collection: 'pages',
      data: { title: 'other' },
      draft: true,
    })
  }
  db().stats.reset()
  expect((await payload.findByID({ id, collection: 'pages', draft: true })).title).toBe(
    'kept, saved',
  )
  // The document's 2 versions are not counted again for those writes.
  expect(db().stats.requests).toBe(remembered)
})
