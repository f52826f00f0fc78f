/**
 * What DynamoDB Local itself takes per request, without Payload or the adapter: the floor under
 * every Local API operation measured by the mixed workload. Each request kind is sent through
 * the document client the adapter uses, cold (the first 200 after the engine starts) and warm
 * (after about 1,500 more requests in all).
 *
 *   npm run bench:floor
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb'

import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'
import { median } from './measure.js'

const TableName = 'engine-floor'
const DOCUMENTS = 180
const COLD = 200
const WARM_UP = 1_500

type Probe = { name: string; send: (i: number) => Promise<unknown> }

const article = (i: number) => ({
  doc: {
    author: 'a'.repeat(24),
    category: 'news',
    createdAt: new Date().toISOString(),
    id: `id-${i}`,
    publishedAt: new Date().toISOString(),
    rating: i % 5,
    slug: `article-${i}`,
    status: 'draft',
    tags: ['b'.repeat(24), 'c'.repeat(24)],
    title: `Article ${i}`,
    views: (i * 7919) % 10_000,
  },
  rev: 1,
})

async function timed(probe: Probe, runs: number): Promise<number> {
  const latencies: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await probe.send(i)
    latencies.push(performance.now() - started)
  }
  return median(latencies)
}

async function main() {
  const local = await startDynamoDBLocal()
  const client = new DynamoDBClient({
    credentials: LOCAL_CREDENTIALS,
    endpoint: local.endpoint,
    region: LOCAL_REGION,
  })
  const docClient = DynamoDBDocumentClient.from(client)
  try {
    await client.send(
      new CreateTableCommand({
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TableName,
      }),
    )
    for (let i = 0; i < DOCUMENTS; i++) {
      await docClient.send(
        new PutCommand({
          Item: { pk: 'C', sk: `D#${String(i).padStart(4, '0')}`, ...article(i) },
          TableName,
        }),
      )
    }
    const key = (i: number) => ({ pk: 'C', sk: `D#${String(i % DOCUMENTS).padStart(4, '0')}` })
    const partition = { ':p': 'C', ':d': 'D#' }
    const query = (extra: object) =>
      new QueryCommand({
        ConsistentRead: true,
        ExpressionAttributeValues: partition,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :d)',
        TableName,
        ...extra,
      })
    let written = 0
    const transaction = (items: number) => () =>
      docClient.send(
        new TransactWriteCommand({
          TransactItems: Array.from({ length: items }, (_, j) => ({
            Put: { Item: { pk: `T${j}`, sk: `w${written++}`, ...article(j) }, TableName },
          })),
        }),
      )
    const probes: Probe[] = [
      {
        name: 'GetItem',
        send: (i) =>
          docClient.send(new GetCommand({ ConsistentRead: true, Key: key(i), TableName })),
      },
      { name: 'Query, 10 items', send: () => docClient.send(query({ Limit: 10 })) },
      {
        name: 'BatchGetItem, 10 keys',
        send: (i) =>
          docClient.send(
            new BatchGetCommand({
              RequestItems: {
                [TableName]: {
                  ConsistentRead: true,
                  Keys: Array.from({ length: 10 }, (_, j) => key(i + j)),
                },
              },
            }),
          ),
      },
      {
        name: `Query, a partition of ${DOCUMENTS} documents`,
        send: () => docClient.send(query({})),
      },
      { name: `  the same, Select: COUNT`, send: () => docClient.send(query({ Select: 'COUNT' })) },
      {
        name: '  the same, projecting 2 fields',
        send: () =>
          docClient.send(
            query({
              ExpressionAttributeNames: { '#d': 'doc', '#i': 'id', '#s': 'status' },
              ProjectionExpression: '#d.#s, #d.#i',
            }),
          ),
      },
      { name: 'TransactWriteItems, 5 puts', send: transaction(5) },
      { name: 'TransactWriteItems, 10 puts', send: transaction(10) },
      { name: 'TransactWriteItems, 20 puts', send: transaction(20) },
    ]
    const cold = new Map<string, number>()
    for (const probe of probes) {
      cold.set(probe.name, await timed(probe, COLD))
    }
    for (const probe of probes) {
      await timed(probe, WARM_UP / probes.length)
    }
    console.log('| request | cold median ms | warm median ms |')
    console.log('|---|---:|---:|')
    for (const probe of probes) {
      const warm = await timed(probe, COLD)
      console.log(`| ${probe.name} | ${cold.get(probe.name)?.toFixed(2)} | ${warm.toFixed(2)} |`)
    }
  } finally {
    await local.stop()
  }
}

await main()
