/**
 * What DynamoDB Local itself takes per request, without Payload or the adapter: the floor under
 * every Local API operation measured by the mixed workload. Each request kind is sent through
 * the document client the adapter uses, cold (the first 200 after the engine starts) and warm
 * (after about 1,500 more requests in all). Two more probes send the same GetItem and Query as raw
 * HTTP requests (no SDK: DynamoDB Local does not check signatures), to show what the SDK's own work
 * adds per request; the adapter always goes through the SDK. The last column is this process's
 * CPU time per request (the SDK's work, Node's HTTP, and parsing), measured over the warm runs.
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

import { Agent, request } from 'node:http'

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

async function timed(probe: Probe, runs: number): Promise<{ cpu: number; median: number }> {
  const latencies: number[] = []
  const cpuBefore = process.cpuUsage()
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await probe.send(i)
    latencies.push(performance.now() - started)
  }
  const cpu = process.cpuUsage(cpuBefore)
  return { cpu: (cpu.user + cpu.system) / 1000 / runs, median: median(latencies) }
}

/** One request in DynamoDB's JSON protocol over a kept-alive socket, without the SDK. */
function rawSender(endpoint: string) {
  const agent = new Agent({ keepAlive: true })
  const { hostname, port } = new URL(endpoint)
  return (target: string, body: object) =>
    new Promise<string>((resolve, reject) => {
      const sent = request(
        {
          agent,
          headers: {
            authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${LOCAL_REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
            'content-type': 'application/x-amz-json-1.0',
            'x-amz-target': `DynamoDB_20120810.${target}`,
          },
          hostname,
          method: 'POST',
          path: '/',
          port,
        },
        (response) => {
          let text = ''
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => (text += chunk))
          response.on('end', () =>
            response.statusCode === 200 ? resolve(text) : reject(new Error(text)),
          )
        },
      )
      sent.on('error', reject)
      sent.end(JSON.stringify(body))
    })
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
    const raw = rawSender(local.endpoint)
    const rawKey = (i: number) => {
      const { pk, sk } = key(i)
      return { pk: { S: pk }, sk: { S: sk } }
    }
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
      {
        name: '  the same, raw HTTP (no SDK)',
        send: (i) => raw('GetItem', { ConsistentRead: true, Key: rawKey(i), TableName }),
      },
      { name: 'Query, 10 items', send: () => docClient.send(query({ Limit: 10 })) },
      {
        name: '  the same, raw HTTP (no SDK)',
        send: () =>
          raw('Query', {
            ConsistentRead: true,
            ExpressionAttributeValues: { ':d': { S: 'D#' }, ':p': { S: 'C' } },
            KeyConditionExpression: 'pk = :p AND begins_with(sk, :d)',
            Limit: 10,
            TableName,
          }),
      },
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
    const cold = new Map<Probe, number>()
    for (const probe of probes) {
      cold.set(probe, (await timed(probe, COLD)).median)
    }
    for (const probe of probes) {
      await timed(probe, WARM_UP / probes.length)
    }
    console.log('| request | cold median ms | warm median ms | warm CPU ms per request (Node) |')
    console.log('|---|---:|---:|---:|')
    for (const probe of probes) {
      const warm = await timed(probe, COLD)
      console.log(
        `| ${probe.name} | ${cold.get(probe)?.toFixed(2)} | ${warm.median.toFixed(2)} | ${warm.cpu.toFixed(2)} |`,
      )
    }
  } finally {
    await local.stop()
  }
}

await main()
