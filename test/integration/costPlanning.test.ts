/**
 * Plans are weighed by what DynamoDB bills: when an indexed condition leaves most of a collection
 * as candidates (each fetched by key is billed as at least 4 KB), reading the partition in one
 * Query costs less, and the planner takes it; a selective condition keeps its index. Either way
 * the answer is the evaluator's, and `explain` shows the estimate beside what was spent.
 */
import type { Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamodbLocal.mjs'

let payload: Payload
const db = () => payload.db as unknown as DynamoDBAdapter
const tableName = `cost-${randomUUID()}`

/** A Payload on the test's table (a new one remembers no counts). */
async function bootPayload(): Promise<Payload> {
  const endpoint = process.env.DYNAMODB_ENDPOINT as string
  const config = await buildConfig({
    collections: [
      {
        slug: 'notes',
        fields: [
          { name: 'kind', type: 'select', index: true, options: ['common', 'rare'] },
          { name: 'body', type: 'text' },
        ],
      },
    ],
    db: dynamodbAdapter({
      clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
      logFallbackQueries: false,
      // This test looks at index plans and requests, not at answers from memory.
      readCache: false,
      tableName,
    }),
    secret: 'cost-planning-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  return getPayload({ config, key: `cost-${randomUUID()}` })
}

beforeAll(async () => {
  payload = await bootPayload()
  // 60 documents of about 600 bytes: the partition is about 9 RCU, 57 common ones by key 57.
  for (let i = 0; i < 60; i++) {
    await payload.create({
      collection: 'notes',
      data: {
        body: `${i % 2 ? 'odd' : 'even'} ${'x'.repeat(600)}`,
        kind: i < 57 ? 'common' : 'rare',
      },
    })
  }
})

afterAll(async () => {
  await payload?.destroy()
})

function expected(kind: string, parity: string) {
  return payload.find({ collection: 'notes', limit: 0, pagination: false }).then(({ docs }) =>
    docs
      .filter((doc) => doc.kind === kind && String(doc.body).startsWith(parity))
      .map((doc) => doc.id)
      .sort(),
  )
}

it('reads the partition when most of the collection are candidates, and says why', async () => {
  // `like` is not indexed: every `common` note is a candidate to fetch and check.
  const where: Where = { and: [{ kind: { equals: 'common' } }, { body: { like: 'odd' } }] }
  const explained = await db().explain({ collection: 'notes', limit: 0, where })
  expect(explained.plan.kind).toBe('partition')
  expect(explained.description).toMatch(/costs less than fetching 57 candidates from "kind"/)
  expect(explained.estimate).toBeDefined()
  // The estimate is what the partition read then spent, give or take a rounding.
  expect(Math.abs(explained.estimate!.rcu - explained.rcu)).toBeLessThanOrEqual(
    Math.max(2, explained.rcu * 0.5),
  )
  const found = await payload.find({ collection: 'notes', limit: 0, pagination: false, where })
  expect(found.docs.map((doc) => doc.id).sort()).toEqual(await expected('common', 'odd'))
})

it('keeps the index when few documents are candidates', async () => {
  const where: Where = { and: [{ kind: { equals: 'rare' } }, { body: { like: 'odd' } }] }
  const explained = await db().explain({ collection: 'notes', limit: 0, where })
  expect(explained.plan.kind).toBe('index')
  expect(explained.estimate!.rcu).toBeLessThan(9)
  const found = await payload.find({ collection: 'notes', limit: 0, pagination: false, where })
  expect(found.docs.map((doc) => doc.id).sort()).toEqual(await expected('rare', 'odd'))
})

it('fetches a lookup with at most four candidates without weighing it', async () => {
  // A fresh adapter remembers no counts: weighing would have to read them.
  const fresh = await bootPayload()
  const adapter = fresh.db as unknown as DynamoDBAdapter
  const sent: string[] = []
  adapter.docClient.middlewareStack.add(
    (next) => async (args) => {
      sent.push(JSON.stringify(args.input))
      return next(args)
    },
    { name: 'recordLookups', step: 'initialize' },
  )
  try {
    const where: Where = { and: [{ kind: { equals: 'rare' } }, { body: { like: 'odd' } }] }
    const found = await fresh.find({ collection: 'notes', limit: 0, pagination: false, where })
    expect(found.docs.map((doc) => doc.id).sort()).toEqual(await expected('rare', 'odd'))
    // The value's first entries (a page of five: fewer came back, so that is all of them), then
    // the documents; neither the collection's counter nor the value's counters.
    expect(sent).toHaveLength(2)
    expect(sent.join()).not.toContain('#K#')
    expect(sent.join()).not.toContain('M#count')
  } finally {
    await fresh.destroy()
  }
})
