/**
 * Retries that are safe: through a proxy that drops connections, loses responses, delays, throttles
 * and fails with 5xx, the client the adapter creates still gets every answer (the SDK retries);
 * and what finally fails reaches Payload as an APIError with a clear message, never an SDK error.
 */
import type { Config, Payload, PayloadRequest } from 'payload'

import { DynamoDBClient, DynamoDBServiceException } from '@aws-sdk/client-dynamodb'
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'
import { APIError, buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { createClients } from '../../src/storage/createClients.js'
import {
  batchDeleteItems,
  batchGetDocuments,
  MAX_BATCH_ATTEMPTS,
} from '../../src/storage/documentStore.js'
import { ensureTable } from '../../src/storage/ensureTable.js'
import { RequestStats } from '../../src/storage/requestStats.js'
import { send } from '../../src/storage/send.js'
import { type FaultMode, type FaultProxy, startFaultProxy } from '../support/faultProxy.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamodbLocal.mjs'

const tableName = `faults-${randomUUID()}`

function directClient(): DynamoDBClient {
  return new DynamoDBClient({
    credentials: LOCAL_CREDENTIALS,
    endpoint: process.env.DYNAMODB_ENDPOINT,
    region: LOCAL_REGION,
  })
}

let proxy: FaultProxy

beforeAll(async () => {
  const client = directClient()
  await ensureTable({ client, create: true, tableName })
  client.destroy()
  proxy = await startFaultProxy({ seed: 42 })
})

afterAll(async () => {
  await proxy.close()
})

beforeEach(() => {
  proxy.configure({})
  proxy.resetCounts()
})

describe('the SDK retries through faults', () => {
  it('Put, Get, BatchGet and Query all succeed with a fault on ~45% of the requests', async () => {
    const { client, docClient } = createClients({ clientConfig: proxy.clientConfig() })
    proxy.configure({
      delayMs: 20,
      rates: { delay: 0.05, drop: 0.1, lostResponse: 0.1, serverError: 0.1, throttle: 0.1 },
    })
    try {
      const pk = `retry-${randomUUID()}`
      const count = 40
      for (let i = 0; i < count; i++) {
        await docClient.send(
          new PutCommand({ Item: { doc: { i }, pk, sk: `d#${i}` }, TableName: tableName }),
        )
      }
      for (let i = 0; i < count; i += 4) {
        const out = await docClient.send(
          new GetCommand({ ConsistentRead: true, Key: { pk, sk: `d#${i}` }, TableName: tableName }),
        )
        expect(out.Item?.doc).toEqual({ i })
      }
      const batch = await docClient.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              ConsistentRead: true,
              Keys: Array.from({ length: count }, (_, i) => ({ pk, sk: `d#${i}` })),
            },
          },
        }),
      )
      expect(batch.UnprocessedKeys?.[tableName]).toBeUndefined()
      expect(batch.Responses?.[tableName]).toHaveLength(count)
      const queried = await docClient.send(
        new QueryCommand({
          ConsistentRead: true,
          ExpressionAttributeValues: { ':pk': pk },
          KeyConditionExpression: 'pk = :pk',
          TableName: tableName,
        }),
      )
      expect(queried.Items?.map((item) => item.doc.i).sort((a, b) => a - b)).toEqual(
        Array.from({ length: count }, (_, i) => i),
      )

      const counts = proxy.counts()
      for (const fault of ['drop', 'lostResponse', 'delay', 'throttle', 'serverError'] as const) {
        expect(counts[fault]).toBeGreaterThan(0)
      }
      // Every fault but a delay cost one more request.
      expect(counts.requests).toBe(
        count +
          count / 4 +
          2 +
          counts.drop +
          counts.lostResponse +
          counts.throttle +
          counts.serverError,
      )
    } finally {
      client.destroy()
    }
  })

  it.each([
    'ThrottlingException',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
  ] as const)('%s is retried', async (throttleType) => {
    const { client, docClient } = createClients({ clientConfig: proxy.clientConfig() })
    try {
      proxy.configure({ script: ['throttle', 'throttle'], throttleType })
      const out = await docClient.send(
        new GetCommand({ Key: { pk: 'none', sk: 'none' }, TableName: tableName }),
      )
      expect(out.$metadata.attempts).toBe(3)
      expect(proxy.counts().throttle).toBe(2)
    } finally {
      client.destroy()
    }
  })

  it.each([
    ['HTTP 500', { script: ['serverError'], serverErrorStatus: 500 }],
    ['HTTP 503', { script: ['serverError'], serverErrorStatus: 503 }],
    ['a dropped connection', { script: ['drop'] }],
    ['a lost response', { script: ['lostResponse'] }],
  ] as const)('%s is retried', async (_name, settings) => {
    const { client, docClient } = createClients({ clientConfig: proxy.clientConfig() })
    try {
      proxy.configure({ ...settings, script: [...settings.script] })
      const out = await docClient.send(
        new GetCommand({ Key: { pk: 'none', sk: 'none' }, TableName: tableName }),
      )
      expect(out.$metadata.attempts).toBe(2)
      expect(proxy.counts().requests).toBe(2)
    } finally {
      client.destroy()
    }
  })
})

describe('what finally fails', () => {
  function storeThroughProxy(maxAttempts?: number) {
    const clients = createClients({
      clientConfig: proxy.clientConfig(maxAttempts ? { maxAttempts } : {}),
    })
    return { ...clients, stats: new RequestStats() }
  }

  it('is an APIError naming the throttling and the attempts', async () => {
    const store = storeThroughProxy(2)
    try {
      proxy.configure({ rates: { throttle: 1 } })
      const failure = send(
        store,
        new GetCommand({ Key: { pk: 'none', sk: 'none' }, TableName: tableName }),
      )
      await expect(failure).rejects.toBeInstanceOf(APIError)
      await expect(failure).rejects.toThrow(
        "DynamoDB throttled the GetItem request (ThrottlingException) after 2 attempts; retry later or raise the table's capacity.",
      )
      expect(proxy.counts().throttle).toBe(2)
    } finally {
      store.client.destroy()
    }
  })

  it('is an APIError naming the endpoint when connections keep dropping', async () => {
    const store = storeThroughProxy()
    try {
      proxy.configure({ rates: { drop: 1 } })
      const failure = send(
        store,
        new QueryCommand({
          ExpressionAttributeValues: { ':pk': 'none' },
          KeyConditionExpression: 'pk = :pk',
          TableName: tableName,
        }),
      )
      await expect(failure).rejects.toThrow(
        `DynamoDB could not be reached at ${proxy.endpoint} for the Query request: the connection was dropped before DynamoDB answered (ECONNRESET) after 6 attempts; check the endpoint and the network.`,
      )
    } finally {
      store.client.destroy()
    }
  })

  it('is an APIError when nothing listens at the endpoint', async () => {
    const closed = await startFaultProxy()
    await closed.close()
    const { client, docClient } = createClients({
      clientConfig: closed.clientConfig({ maxAttempts: 2 }),
    })
    try {
      await expect(
        send(
          { docClient, stats: new RequestStats() },
          new GetCommand({ Key: { pk: 'none', sk: 'none' }, TableName: tableName }),
        ),
      ).rejects.toThrow(
        new RegExp(
          `^DynamoDB could not be reached at ${closed.endpoint} for the GetItem request: connect ECONNREFUSED .*\\(ECONNREFUSED\\) after 2 attempts; check the endpoint and the network\\.$`,
        ),
      )
    } finally {
      client.destroy()
    }
  })

  it('a failed condition and a cancelled transaction pass through unchanged, for the write path', async () => {
    const store = storeThroughProxy()
    try {
      const pk = `cond-${randomUUID()}`
      await send(store, new PutCommand({ Item: { pk, sk: 'a' }, TableName: tableName }))
      const conditional = send(
        store,
        new PutCommand({
          ConditionExpression: 'attribute_not_exists(pk)',
          Item: { pk, sk: 'a' },
          TableName: tableName,
        }),
      )
      await expect(conditional).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' })
      await expect(conditional).rejects.toBeInstanceOf(DynamoDBServiceException)

      proxy.configure({ script: ['transactionConflict'] })
      const transaction = send(
        store,
        new TransactWriteCommand({
          TransactItems: ['b', 'c', 'd'].map((sk) => ({
            Put: { Item: { pk, sk }, TableName: tableName },
          })),
        }),
      )
      await expect(transaction).rejects.toMatchObject({ name: 'TransactionCanceledException' })
      const error = await transaction.catch((caught: unknown) => caught)
      const reasons = (error as { CancellationReasons: { Code: string }[] }).CancellationReasons
      expect(reasons).toHaveLength(3)
      expect(reasons.filter((reason) => reason.Code === 'TransactionConflict')).toHaveLength(1)
      expect(reasons.filter((reason) => reason.Code === 'None')).toHaveLength(2)
      // Answered by the proxy: nothing was written.
      const written = await send<{ Count?: number }>(
        store,
        new QueryCommand({
          ExpressionAttributeValues: { ':pk': pk },
          KeyConditionExpression: 'pk = :pk',
          Select: 'COUNT',
          TableName: tableName,
        }),
      )
      expect(written.Count).toBe(1)
      expect(proxy.counts().byOperation.TransactWriteItems).toMatchObject({
        forwarded: 0,
        transactionConflict: 1,
      })
    } finally {
      store.client.destroy()
    }
  })
})

describe('unprocessed keys and items', () => {
  function store() {
    const clients = createClients({ clientConfig: proxy.clientConfig() })
    return { ...clients, consistentRead: true, stats: new RequestStats(), tableName }
  }

  it('are sent again until DynamoDB processes them', async () => {
    const adapter = store()
    try {
      const pk = `batch-${randomUUID()}`
      const keys = [0, 1, 2].map((i) => ({ pk, sk: `d#${i}` }))
      for (const [i, key] of keys.entries()) {
        await send(
          adapter,
          new PutCommand({ Item: { ...key, doc: { id: i } }, TableName: tableName }),
        )
      }
      proxy.configure({ script: ['unprocessed', 'unprocessed'] })
      const docs = await batchGetDocuments(adapter, keys)
      expect(docs.map((doc) => doc.id).sort()).toEqual([0, 1, 2])
      expect(proxy.counts().byOperation.BatchGetItem).toMatchObject({ requests: 3, unprocessed: 2 })
    } finally {
      adapter.client.destroy()
    }
  })

  it(`give up after ${MAX_BATCH_ATTEMPTS} attempts with an APIError`, async () => {
    const adapter = store()
    try {
      proxy.configure({ rates: { unprocessed: 1 } })
      const keys = [0, 1].map((i) => ({ pk: `gone-${randomUUID()}`, sk: `d#${i}` }))
      const failure = batchDeleteItems(adapter, keys)
      await expect(failure).rejects.toBeInstanceOf(APIError)
      await expect(failure).rejects.toThrow(
        `DynamoDB left 2 of 2 items of a BatchWriteItem on table "${tableName}" unprocessed after ${MAX_BATCH_ATTEMPTS} attempts (the table is throttled); retry later or raise the table's capacity.`,
      )
      expect(proxy.counts().unprocessed).toBe(MAX_BATCH_ATTEMPTS)
    } finally {
      adapter.client.destroy()
    }
  })
})

describe('Payload on the adapter, through the proxy', () => {
  let payload: Payload

  beforeAll(async () => {
    const config: Config = {
      collections: [{ slug: 'notes', fields: [{ name: 'title', type: 'text', index: true }] }],
      db: dynamodbAdapter({
        clientConfig: proxy.clientConfig({ maxAttempts: 3 }),
        logFallbackQueries: false,
        tableName: `faults-payload-${randomUUID()}`,
      }),
      secret: 'faults-test-secret',
      telemetry: false,
      typescript: { autoGenerate: false },
    }
    payload = await getPayload({ config: await buildConfig(config), key: `faults-${randomUUID()}` })
    await payload.create({ collection: 'notes', data: { title: 'first' } })
  })

  afterAll(async () => {
    await payload.destroy()
  })

  it('payload.find works through occasional faults', async () => {
    // Spaced out so no request meets more faults than its three attempts ride out.
    proxy.configure({
      script: ['drop', 'serverError', 'lostResponse', 'throttle', 'delay'].flatMap((fault) => [
        fault as FaultMode,
        'pass' as const,
        'pass' as const,
        'pass' as const,
      ]),
    })
    for (let i = 0; i < 5; i++) {
      const found = await payload.find({
        collection: 'notes',
        where: { title: { equals: 'first' } },
      })
      expect(found.docs.map((doc) => doc.title)).toEqual(['first'])
    }
  })

  it.each([
    [
      '5xx',
      { serverError: 1 },
      /^DynamoDB failed to answer the \w+ request with a server error \(InternalServerError, HTTP 500\) after 3 attempts: .*Retry later/,
    ],
    [
      'throttling',
      { throttle: 1 },
      /^DynamoDB throttled the \w+ request \(ThrottlingException\) after 3 attempts; retry later/,
    ],
    [
      'dropped connections',
      { drop: 1 },
      /^DynamoDB could not be reached at http:\/\/127\.0\.0\.1:\d+ for the \w+ request: the connection was dropped/,
    ],
  ] as const)(
    'payload.find fails with an APIError on persistent %s',
    async (_name, rates, message) => {
      proxy.configure({ rates })
      const error = await payload
        .find({ collection: 'notes', where: { title: { equals: 'first' } } })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        )
      expect(error).toBeInstanceOf(APIError)
      expect(error).not.toBeInstanceOf(DynamoDBServiceException)
      expect((error as APIError).message).toMatch(message)
      expect((error as APIError).status).toBe(503)
    },
  )

  it('a journaled commit whose journal could not be confirmed is not applied later', async () => {
    const previous = process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
    process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = '200'
    try {
      const transactionID = (await payload.db.beginTransaction()) as string
      const req = { payload, transactionID } as PayloadRequest
      for (let i = 0; i < 120; i++) {
        await payload.create({ collection: 'notes', data: { title: `bulk ${i}` }, req })
      }
      // The journal's part lands; its header lands but the answer is lost, and the SDK's other
      // attempts are dropped: the commit fails without knowing whether the journal stands.
      proxy.configure({ operations: ['PutItem'], script: ['pass', 'lostResponse', 'drop', 'drop'] })
      const error = await payload.db.commitTransaction(transactionID).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      proxy.configure({})
      expect(error).toBeInstanceOf(APIError)
      expect((error as APIError).status).toBe(503)
      const bulk = { title: { like: 'bulk' } }
      expect((await payload.count({ collection: 'notes', where: bulk })).totalDocs).toBe(0)
      // Another start looks for journals left behind: none holds this write.
      await new Promise((resolve) => setTimeout(resolve, 300))
      await (payload.db as unknown as DynamoDBAdapter).finishOpenCommits()
      expect((await payload.count({ collection: 'notes', where: bulk })).totalDocs).toBe(0)
    } finally {
      if (previous === undefined) {
        delete process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
      } else {
        process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = previous
      }
    }
  })

  it('and works again once DynamoDB answers', async () => {
    const found = await payload.find({ collection: 'notes' })
    expect(found.totalDocs).toBe(1)
    expect((payload.db as unknown as DynamoDBAdapter).tableName).toMatch(/^faults-payload-/)
  })
})
