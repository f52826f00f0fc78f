/**
 * Indexes follow the config without a wrong answer: documents stored before an index existed are
 * found through it once it is built, and until then queries that it would serve read the
 * collection. Development builds on start; production keeps to built indexes until a migration
 * (payload.db.syncIndexes) builds them. Removed indexes are dropped; a unique index over duplicate
 * values fails, naming them, and changes nothing.
 */
import type { CollectionConfig, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { APIError, buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamodbLocal.mjs'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'

type Field = CollectionConfig['fields'][number]

async function bootOn(
  tableName: string,
  scoreField: Partial<Field>,
  options: {
    buildIndexes: boolean
    code?: Partial<Field>
    prodMigrations?: DynamoDBAdapterArgs['prodMigrations']
  },
): Promise<Payload> {
  const endpoint = process.env.DYNAMODB_ENDPOINT as string
  const config = await buildConfig({
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'score', type: 'number', ...scoreField } as Field,
          { name: 'code', type: 'text', ...options.code } as Field,
        ],
      },
    ],
    db: dynamodbAdapter({
      buildIndexes: options.buildIndexes,
      clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
      // This test looks at index plans and requests, not at answers from memory.
      readCache: false,
      logFallbackQueries: false,
      prodMigrations: options.prodMigrations,
      tableName,
    }),
    secret: 'schema-evolution-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  return getPayload({ config, key: `schema-${randomUUID()}` })
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

async function seed(tableName: string): Promise<void> {
  const payload = await bootOn(tableName, {}, { buildIndexes: true })
  for (let i = 0; i < 60; i++) {
    await payload.create({
      collection: 'posts',
      data: { code: `c${i % 30}`, score: i % 6, title: `post ${i}` },
    })
  }
  await payload.destroy()
}

async function expectExact(payload: Payload) {
  const equal = await payload.find({
    collection: 'posts',
    limit: 100,
    where: { score: { equals: 3 } },
  })
  expect(equal.docs).toHaveLength(10)
  expect(equal.docs.every((doc) => doc.score === 3)).toBe(true)
  expect(
    (await payload.count({ collection: 'posts', where: { score: { greater_than: 0 } } })).totalDocs,
  ).toBe(50)
  const sorted = await payload.find({
    collection: 'posts',
    limit: 5,
    sort: '-score',
    where: { score: { greater_than: 3 } },
  })
  expect(sorted.totalDocs).toBe(20)
  expect(sorted.docs.map((doc) => doc.score)).toEqual([5, 5, 5, 5, 5])
}

async function planKind(payload: Payload): Promise<string> {
  const explained = await adapterOf(payload).explain({
    collection: 'posts',
    where: { score: { equals: 3 } },
  })
  return explained.plan.kind
}

// Its index drops wait twice this (src/indexes/stateFreshness.ts), 10 s by default.
useIndexStateMaxAge(300)

describe('indexes follow the config', () => {
  it('development: an index added to the config is built on start and then used', async () => {
    const tableName = `schema-${randomUUID()}`
    await seed(tableName)
    const payload = await bootOn(tableName, { index: true }, { buildIndexes: true })
    try {
      expect(await planKind(payload)).toBe('index')
      await expectExact(payload)
      const report = await adapterOf(payload).verifyIndexes({ collection: 'posts' })
      expect(report.clean).toBe(true)
    } finally {
      await payload.destroy()
    }
  })

  it('production: an index not built yet is not read; the migration builds it', async () => {
    const tableName = `schema-${randomUUID()}`
    await seed(tableName)
    const payload = await bootOn(tableName, { index: true }, { buildIndexes: false })
    try {
      expect(await planKind(payload)).toBe('partition')
      await expectExact(payload)
      // Writes maintain the index already, before it is built.
      await payload.create({ collection: 'posts', data: { score: 3, title: 'new' } })
      expect(await adapterOf(payload).syncIndexes({ dryRun: true })).toEqual({
        pending: ['posts/score'],
        stale: [],
      })
      expect(await adapterOf(payload).syncIndexes()).toEqual({
        pending: ['posts/score'],
        stale: [],
      })
      expect(await planKind(payload)).toBe('index')
      const equal = await payload.find({
        collection: 'posts',
        limit: 100,
        where: { score: { equals: 3 } },
      })
      expect(equal.docs).toHaveLength(11)
      expect(await adapterOf(payload).syncIndexes({ dryRun: true })).toEqual({
        pending: [],
        stale: [],
      })
      expect((await adapterOf(payload).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    } finally {
      await payload.destroy()
    }
  })

  it('an index removed from the config has its entries dropped', async () => {
    const tableName = `schema-${randomUUID()}`
    const indexed = await bootOn(tableName, { index: true }, { buildIndexes: true })
    for (let i = 0; i < 12; i++) {
      await indexed.create({ collection: 'posts', data: { score: i } })
    }
    await indexed.destroy()
    const payload = await bootOn(tableName, {}, { buildIndexes: true })
    try {
      const { Count } = await adapterOf(payload).docClient.send(
        new (await import('@aws-sdk/lib-dynamodb')).QueryCommand({
          ExpressionAttributeValues: { ':pk': 'C#posts#I#score' },
          KeyConditionExpression: 'pk = :pk',
          Select: 'COUNT',
          TableName: tableName,
        }),
      )
      expect(Count).toBe(0)
      expect(
        (await payload.count({ collection: 'posts', where: { score: { less_than: 6 } } }))
          .totalDocs,
      ).toBe(6)
    } finally {
      await payload.destroy()
    }
  })

  it('a unique index over duplicate values fails, naming them, and changes nothing', async () => {
    const tableName = `schema-${randomUUID()}`
    await seed(tableName)
    const payload = await bootOn(tableName, {}, { buildIndexes: false, code: { unique: true } })
    try {
      const error = await adapterOf(payload)
        .syncIndexes()
        .then(
          () => undefined,
          (caught: unknown) => caught,
        )
      expect(error).toBeInstanceOf(APIError)
      expect((error as Error).message).toMatch(/"code"|code/)
      expect((error as Error).message).toMatch(/\["c0"\]: documents \w+, \w+/)
      expect(await adapterOf(payload).syncIndexes({ dryRun: true })).toEqual({
        pending: ['posts/code'],
        stale: [],
      })
      const { Count } = await adapterOf(payload).docClient.send(
        new (await import('@aws-sdk/lib-dynamodb')).QueryCommand({
          ExpressionAttributeValues: { ':pk': 'C#posts#U#code' },
          KeyConditionExpression: 'pk = :pk',
          Select: 'COUNT',
          TableName: tableName,
        }),
      )
      expect(Count).toBe(0)
    } finally {
      await payload.destroy()
    }
  })

  it('prodMigrations run when Payload starts in production (here: one that builds an index)', async () => {
    const tableName = `schema-${randomUUID()}`
    await seed(tableName)
    const ran: string[] = []
    const previous = process.env.NODE_ENV
    process.env.NODE_ENV = 'production'
    let payload: Payload | undefined
    try {
      payload = await bootOn(
        tableName,
        { index: true },
        {
          buildIndexes: false,
          prodMigrations: [
            {
              name: '20260101_000000_build_score',
              down: async () => undefined,
              up: async ({ payload: migrating }) => {
                ran.push('up')
                await migrating.db.syncIndexes()
              },
            },
          ],
        },
      )
      expect(ran).toEqual(['up'])
      expect(await planKind(payload)).toBe('index')
      await expectExact(payload)
      const recorded = await payload.find({
        collection: 'payload-migrations',
        where: { name: { equals: '20260101_000000_build_score' } },
      })
      expect(recorded.docs).toHaveLength(1)
    } finally {
      process.env.NODE_ENV = previous
      await payload?.destroy()
    }
  })
})
