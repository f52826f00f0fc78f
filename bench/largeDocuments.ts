/**
 * Benchmark: what reading and writing a 1 MB document costs on DynamoDB Local, next to a 1 KB one,
 * in DynamoDB requests, consumed capacity (RCU/WCU as DynamoDB Local reports them) and median
 * latency, through Payload's Local API.
 *
 *   npm run bench:large
 *
 * A 1 MB document is stored gzipped (and split over several items when still over one item):
 * see docs/design.md "Documents larger than one item".
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { randomBytes } from 'node:crypto'
import { buildConfig, getPayload, type Payload } from 'payload'

import { type DynamoDBAdapter, dynamodbAdapter } from '../src/index.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'

const RUNS = 5

type Row = {
  doc: string
  ms: number
  operation: string
  rcu: number
  requests: number
  wcu: number
}

const WORDS = (
  'payload dynamodb document field locale version draft relationship upload array block ' +
  'group tab collection global index query page sort filter value title body author date'
).split(' ')

/** About `bytes` of article-like rows: words and numbers, as gzip meets them in real content. */
function textRows(bytes: number): { text: string }[] {
  let seed = 7
  const next = () => (seed = (seed * 48271) % 2147483647)
  return Array.from({ length: Math.ceil(bytes / 10_000) }, () => {
    const words: string[] = []
    for (let length = 0; length < 10_000;) {
      const word = next() % 5 === 0 ? String(next() % 100_000) : WORDS[next() % WORDS.length]
      words.push(word)
      length += word.length + 1
    }
    return { text: words.join(' ') }
  })
}

/** About `bytes` of random base64 rows: what gzip cannot shrink (e.g. embedded binary). */
function randomRows(bytes: number): { text: string }[] {
  return Array.from({ length: Math.ceil(bytes / 30_000) }, () => ({
    text: randomBytes(22_500).toString('base64'),
  }))
}

async function measure(
  adapter: DynamoDBAdapter,
  doc: string,
  operation: string,
  run: (index: number) => Promise<unknown>,
): Promise<Row> {
  const latencies: number[] = []
  let last = adapter.stats.snapshot()
  let row: Row = { doc, ms: 0, operation, rcu: 0, requests: 0, wcu: 0 }
  for (let index = 0; index < RUNS; index++) {
    const before = adapter.stats.snapshot()
    const started = performance.now()
    await run(index)
    latencies.push(performance.now() - started)
    last = adapter.stats.snapshot()
    row = {
      ...row,
      rcu: last.rcu - before.rcu,
      requests: last.requests - before.requests,
      wcu: last.wcu - before.wcu,
    }
  }
  latencies.sort((a, b) => a - b)
  return { ...row, ms: latencies[Math.floor(RUNS / 2)] }
}

/** How the last created document is stored: items and bytes of its head item's gzipped JSON. */
async function layout(adapter: DynamoDBAdapter): Promise<string> {
  const items: Record<string, unknown>[] = []
  let startKey: Record<string, unknown> | undefined
  do {
    const out = await adapter.docClient.send(
      new QueryCommand({
        ExclusiveStartKey: startKey,
        ExpressionAttributeValues: { ':pk': 'C#pages' },
        KeyConditionExpression: 'pk = :pk',
        TableName: adapter.tableName,
      }),
    )
    items.push(...(out.Items ?? []))
    startKey = out.LastEvaluatedKey
  } while (startKey)
  const heads = items.filter((item) => String(item.sk).startsWith('D#'))
  const parts = items.filter((item) => String(item.sk).startsWith('P#'))
  const zipped = items.reduce((sum, item) => sum + ((item.z as Uint8Array)?.byteLength ?? 0), 0)
  return `${heads.length} documents in ${heads.length + parts.length} items, ${(zipped / 1_000_000).toFixed(2)} MB gzipped`
}

async function benchDocument(
  payload: Payload,
  adapter: DynamoDBAdapter,
  name: string,
  rows: { text: string }[],
): Promise<{ layout: string; rows: Row[] }> {
  const bytes = Buffer.byteLength(JSON.stringify(rows))
  const doc = `${name} (${(bytes / 1_000_000).toFixed(2)} MB JSON)`
  const ids: (number | string)[] = []
  const results = [
    await measure(adapter, doc, 'create', async (index) => {
      const created = await payload.create({
        collection: 'pages',
        data: { rows, title: `${name} ${index}` },
        depth: 0,
      })
      ids.push(created.id)
    }),
  ]
  const stored = await layout(adapter)
  results.push(
    await measure(adapter, doc, 'findByID', (index) =>
      payload.findByID({ id: ids[index], collection: 'pages', depth: 0 }),
    ),
    await measure(adapter, doc, 'find (indexed title equality)', (index) =>
      payload.find({
        collection: 'pages',
        depth: 0,
        where: { title: { equals: `${name} ${index}` } },
      }),
    ),
    await measure(adapter, doc, 'update (title only)', (index) =>
      payload.update({ id: ids[index], collection: 'pages', data: { title: `${name} ${index}` } }),
    ),
    await measure(adapter, doc, 'delete', (index) =>
      payload.delete({ id: ids[index], collection: 'pages' }),
    ),
  )
  return { layout: stored, rows: results }
}

async function main() {
  const engine = await startDynamoDBLocal()
  try {
    const config = await buildConfig({
      collections: [
        {
          slug: 'pages',
          fields: [
            { name: 'title', type: 'text', index: true },
            { name: 'rows', type: 'array', fields: [{ name: 'text', type: 'text' }] },
          ],
        },
      ],
      db: dynamodbAdapter({
        clientConfig: {
          credentials: LOCAL_CREDENTIALS,
          endpoint: engine.endpoint,
          region: LOCAL_REGION,
        },
        logFallbackQueries: false,
        tableName: `bench-large-${Date.now()}`,
      }),
      secret: 'bench-secret',
      telemetry: false,
      typescript: { autoGenerate: false },
    })
    const payload = await getPayload({ config, key: 'bench-large' })
    const adapter = payload.db as unknown as DynamoDBAdapter
    const all = [
      await benchDocument(payload, adapter, '1 KB', [{ text: 'x'.repeat(1000) }]),
      await benchDocument(payload, adapter, '1 MB text', textRows(1_000_000)),
      await benchDocument(payload, adapter, '1 MB random', randomRows(1_000_000)),
    ]
    const header =
      '| document | operation | requests | RCU | WCU | median ms |\n|---|---|---:|---:|---:|---:|'
    const lines = all
      .flatMap((each) => each.rows)
      .map(
        (row) =>
          `| ${row.doc} | ${row.operation} | ${row.requests} | ${row.rcu.toFixed(1)} | ${row.wcu.toFixed(1)} | ${row.ms.toFixed(1)} |`,
      )
    console.log([header, ...lines].join('\n'))
    console.log()
    for (const [index, each] of all.entries()) {
      console.log(
        `- ${['1 KB', '1 MB text', '1 MB random'][index]}: ${each.layout} (${RUNS} created)`,
      )
    }
    await payload.destroy()
  } finally {
    await engine.stop()
  }
  process.exit(0)
}

await main()
