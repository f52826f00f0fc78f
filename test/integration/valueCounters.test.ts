/**
 * Totals of an indexed equality or `in` come from per-value counters written in the same
 * transaction as the document: exact under concurrent writers, and after an index is built over
 * documents that concurrent writers keep changing. Filtered pages in the default order read one
 * page of entries, whatever the number of matches.
 */
import type { CollectionConfig, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamodbLocal.mjs'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'

type Field = CollectionConfig['fields'][number]

const STATUSES = ['draft', 'review', 'published', 'archived'] as const

async function bootOn(tableName: string, regionIndexed: boolean): Promise<Payload> {
  const endpoint = process.env.DYNAMODB_ENDPOINT as string
  const config = await buildConfig({
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'status', type: 'select', index: true, options: [...STATUSES] },
          { name: 'region', type: 'text', index: regionIndexed } as Field,
          { name: 'tags', type: 'text', hasMany: true, index: true } as Field,
          { name: 'views', type: 'number', index: true },
        ],
      },
    ],
    db: dynamodbAdapter({
      buildIndexes: false,
      clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
      logFallbackQueries: false,
      // This test looks at index plans and requests, not at answers from memory.
      readCache: false,
      tableName,
    }),
    secret: 'value-counters-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  return getPayload({ config, key: `counters-${randomUUID()}` })
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter
const collectionPK = (db: DynamoDBAdapter) => collectionNamespace(db, 'posts').pk
const pick = <T>(list: readonly T[], i: number) => list[i % list.length]

async function allPosts(payload: Payload) {
  const { docs } = await payload.find({ collection: 'posts', limit: 0, pagination: false })
  return docs as unknown as {
    createdAt: string
    region?: string
    status: string
    tags?: string[]
  }[]
}

/** Every total by status, region and tag equals what the stored documents hold. */
async function expectExactTotals(payload: Payload, regions: string[]) {
  const docs = await allPosts(payload)
  for (const status of STATUSES) {
    const expected = docs.filter((doc) => doc.status === status).length
    const where = { status: { equals: status } }
    expect((await payload.count({ collection: 'posts', where })).totalDocs).toBe(expected)
    const explained = await adapterOf(payload).explain({ collection: 'posts', limit: 5, where })
    expect(explained.totalDocs).toBe(expected)
    // The entries up to the end of the run tied with the page's last one on createdAt (parallel
    // creates share milliseconds) and one past it, read in pages of 6 (one more than the page:
    // a run that goes on past a page costs a whole page more), the documents of that run, and
    // the value's counter shards (at most 8): never the value's other matches.
    const newest = docs
      .filter((doc) => doc.status === status)
      .map((doc) => doc.createdAt)
      .sort()
      .reverse()
    const throughRun =
      newest.length > 5 ? newest.filter((created) => created >= newest[4]!).length : newest.length
    const entries = Math.min(6 * Math.ceil((throughRun + 1) / 6), newest.length)
    expect(explained.itemsRead).toBeLessThanOrEqual(entries + throughRun + 8)
  }
  const both = docs.filter((doc) => doc.status === 'draft' || doc.status === 'published').length
  expect(
    (
      await payload.count({
        collection: 'posts',
        where: { status: { in: ['draft', 'published'] } },
      })
    ).totalDocs,
  ).toBe(both)
  for (const region of regions) {
    const where = { region: { equals: region } }
    const expected = docs.filter((doc) => doc.region === region).length
    expect((await payload.count({ collection: 'posts', where })).totalDocs).toBe(expected)
  }
  for (const tag of ['a', 'b', 'c']) {
    const where = { tags: { equals: tag } }
    const expected = docs.filter((doc) => doc.tags?.includes(tag)).length
    expect((await payload.count({ collection: 'posts', where })).totalDocs).toBe(expected)
  }
}

/** Twelve writers at once: updates that move documents between values, creates and deletes. */
async function churn(payload: Payload, ids: (number | string)[], rounds: number) {
  const failures: unknown[] = []
  await Promise.all(
    Array.from({ length: 12 }, async (_, lane) => {
      for (let i = 0; i < rounds; i++) {
        try {
          if (i % 5 === 4) {
            const created = await payload.create({
              collection: 'posts',
              data: { region: pick(['eu', 'us'], i), status: 'draft', tags: ['c'], views: i },
            })
            if (lane % 2 === 0) {
              await payload.delete({ id: created.id, collection: 'posts' })
            }
          } else {
            // Several lanes share documents: their writes race on the same revisions.
            await payload.update({
              id: pick(ids, lane * 3 + i),
              collection: 'posts',
              data: {
                region: pick(['eu', 'us', 'apac'], lane + i),
                status: pick(STATUSES, lane + i),
                tags: pick([['a'], ['a', 'b'], [], ['b', 'c']], lane * i),
              },
            })
          }
        } catch (error) {
          failures.push(error)
        }
      }
    }),
  )
  expect(failures).toEqual([])
}

// Its index drops wait twice this (src/indexes/stateFreshness.ts), 10 s by default.
useIndexStateMaxAge(300)

describe('per-value counters', () => {
  const tableName = `counters-${randomUUID()}`
  let payload: Payload
  let ids: (number | string)[] = []

  beforeAll(async () => {
    payload = await bootOn(tableName, false)
    const created = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        payload.create({
          collection: 'posts',
          data: {
            region: pick(['eu', 'us'], i),
            status: pick(STATUSES, i),
            tags: pick([['a'], ['b'], ['a', 'c']], i),
            views: i * 10,
          },
        }),
      ),
    )
    ids = created.map((doc) => doc.id)
  })

  afterAll(async () => {
    await payload?.destroy()
  })

  it('stay exact under concurrent writers', async () => {
    await churn(payload, ids, 10)
    await expectExactTotals(payload, [])
    expect((await adapterOf(payload).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
  })

  it('are built with an index added over stored documents while writers change them', async () => {
    const indexed = await bootOn(tableName, true)
    try {
      // Writers on the new config (which maintain the new index as they write) while it is built.
      const building = adapterOf(indexed).syncIndexes()
      await churn(indexed, ids, 6)
      await building
      await adapterOf(indexed).syncIndexes()
      const regions = ['eu', 'us', 'apac']
      await expectExactTotals(indexed, regions)
      // Every document has its entries, also those whose writers changed other fields meanwhile.
      const report = await adapterOf(indexed).verifyIndexes({ collection: 'posts' })
      expect(report).toMatchObject({ clean: true, missingEntries: 0, valueCountersOff: 0 })
      const explained = await adapterOf(indexed).explain({
        collection: 'posts',
        where: { region: { equals: 'eu' } },
      })
      expect(explained.plan.kind).toBe('index')
    } finally {
      await indexed.destroy()
    }
  })

  it('count right after an index is removed and the identical index is added back', async () => {
    const regions = ['eu', 'us', 'apac']
    // The index is dropped by a deploy without it; documents keep the tokens of its counters.
    const without = await bootOn(tableName, false)
    try {
      await adapterOf(without).syncIndexes()
      // Some documents are written meanwhile (their tokens no longer name the index), most not.
      for (const id of ids.slice(0, 5)) {
        await without.update({ collection: 'posts', data: { region: 'apac' }, id })
      }
    } finally {
      await without.destroy()
    }
    const again = await bootOn(tableName, true)
    try {
      const building = adapterOf(again).syncIndexes()
      await churn(again, ids, 3)
      await building
      await adapterOf(again).syncIndexes()
      await expectExactTotals(again, regions)
      const report = await adapterOf(again).verifyIndexes({ collection: 'posts' })
      expect(report).toMatchObject({ clean: true, valueCountersOff: 0 })
    } finally {
      await again.destroy()
    }
  })

  it('pages an indexed equality newest first from one page of entries', async () => {
    const docs = await payload.find({
      collection: 'posts',
      limit: 3,
      page: 2,
      where: { status: { equals: 'published' } },
    })
    const all = await payload.find({
      collection: 'posts',
      limit: 0,
      pagination: false,
      sort: '-createdAt',
      where: { status: { equals: 'published' } },
    })
    expect(docs.docs.map((doc) => doc.id)).toEqual(all.docs.slice(3, 6).map((doc) => doc.id))
    expect(docs.totalDocs).toBe(all.docs.length)
  })

  it('are not kept for dates: a write touches no counter of createdAt/updatedAt, counts stay exact', async () => {
    const db = adapterOf(payload)
    const sent: { input: unknown; name: string }[] = []
    db.docClient.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({ input: args.input, name: String(context.commandName) })
        return next(args)
      },
      { name: 'recordDateCounters', step: 'initialize' },
    )
    try {
      const created = await payload.create({
        collection: 'posts',
        data: { region: 'north', status: 'draft', views: 7 },
      })
      await payload.update({ collection: 'posts', data: { views: 8 }, id: created.id })
      const writes = sent.filter((request) => request.name.startsWith('TransactWrite'))
      expect(writes.length).toBeGreaterThanOrEqual(2)
      const touched = JSON.stringify(writes.map((request) => request.input))
      expect(touched).toContain('#K#status')
      expect(touched).not.toContain('#K#createdAt')
      expect(touched).not.toContain('#K#updatedAt')

      // An equality on a date is counted from its entries, exactly.
      const where = { createdAt: { equals: created.createdAt } }
      const docs = await allPosts(payload)
      const expected = docs.filter((doc) => doc.createdAt === created.createdAt).length
      expect(expected).toBeGreaterThanOrEqual(1)
      expect((await payload.count({ collection: 'posts', where })).totalDocs).toBe(expected)
      const { Items } = await db.docClient.send(
        new QueryCommand({
          ExpressionAttributeValues: { ':pk': `${collectionPK(db)}#K#createdAt` },
          KeyConditionExpression: 'pk = :pk',
          TableName: db.tableName,
        }),
      )
      expect(Items).toEqual([])
      await payload.delete({ collection: 'posts', id: created.id })
      expect((await db.verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    } finally {
      db.docClient.middlewareStack.remove('recordDateCounters')
    }
  })

  it('verifyIndexes reports a counter that is off; rebuildIndexes recounts it', async () => {
    const db = adapterOf(payload)
    const drafts = (
      await payload.count({ collection: 'posts', where: { status: { equals: 'draft' } } })
    ).totalDocs
    const { Items } = await db.docClient.send(
      new QueryCommand({
        ExpressionAttributeValues: { ':pk': `${collectionPK(db)}#K#status` },
        KeyConditionExpression: 'pk = :pk',
        TableName: db.tableName,
      }),
    )
    const shard = Items?.find((item) => String(item.sk).includes('draft'))
    expect(shard).toBeDefined()
    await db.docClient.send(
      new UpdateCommand({
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':n': 2 },
        Key: { pk: shard!.pk, sk: shard!.sk },
        TableName: db.tableName,
        UpdateExpression: 'ADD #count :n',
      }),
    )
    expect(
      (await payload.count({ collection: 'posts', where: { status: { equals: 'draft' } } }))
        .totalDocs,
    ).toBe(drafts + 2)
    const report = await db.verifyIndexes({ collection: 'posts' })
    expect(report).toMatchObject({ clean: false, valueCountersOff: 1 })
    expect(report.examples.valueCounters[0].reason).toBe(
      `counted ${drafts + 2}, held by ${drafts} document(s)`,
    )
    await db.rebuildIndexes({ collection: 'posts' })
    expect((await db.verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    expect(
      (await payload.count({ collection: 'posts', where: { status: { equals: 'draft' } } }))
        .totalDocs,
    ).toBe(drafts)
  })
})
