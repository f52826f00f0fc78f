/**
 * Benchmark: what list pages, filters, lookups and counts cost on DynamoDB Local at several
 * collection sizes, in DynamoDB requests, consumed read capacity (RCU) and median latency.
 *
 *   npm run bench                     # N = 1000, 10000, 50000
 *   BENCH_SIZES=1000,5000 npm run bench
 *
 * Documents are loaded with BatchWriteItem and indexed with `rebuildIndexes` (the path existing
 * data takes); queries go through Payload's Local API.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb'
import { writeFileSync } from 'node:fs'
import { buildConfig, getPayload, type Payload, type Where } from 'payload'

import { type DynamoDBAdapter, dynamodbAdapter } from '../src/index.js'
import { documentKey } from '../src/keys/itemKeys.js'
import { documentItem } from '../src/storage/documentStore.js'
import { generateID } from '../src/utilities/generateID.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number)
const RUNS = 5
const CATEGORIES = [
  'news',
  'tech',
  'life',
  'sport',
  'music',
  'film',
  'food',
  'travel',
  'games',
  'art',
]

type Row = {
  latencyMs: number
  n: number
  query: string
  rcu: number
  requests: number
  returned: number
}

async function load(payload: Payload, adapter: DynamoDBAdapter, n: number): Promise<string> {
  const start = Date.parse('2020-01-01T00:00:00.000Z')
  let someID = ''
  for (let offset = 0; offset < n; offset += 25) {
    const items = []
    for (let i = offset; i < Math.min(n, offset + 25); i++) {
      const id = generateID() + String(i).padStart(6, '0')
      someID ||= id
      const at = new Date(start + i * 60_000).toISOString()
      const doc = {
        id,
        category: CATEGORIES[i % CATEGORIES.length],
        createdAt: at,
        happenedAt: new Date(start + ((i * 7919) % n) * 3_600_000).toISOString(),
        note: `note ${i % 100}`,
        score: (i * 37) % 1000,
        tag: `tag-${i % 50}`,
        title: `Event ${i}`,
        updatedAt: at,
      }
      items.push({
        PutRequest: { Item: documentItem(documentKey('collection', 'events', id), doc) },
      })
    }
    let pending: unknown[] | undefined = items
    while (pending && pending.length > 0) {
      const out: { UnprocessedItems?: Record<string, unknown[]> } = await adapter.docClient.send(
        new BatchWriteCommand({ RequestItems: { [adapter.tableName]: pending as never } }),
      )
      pending = out.UnprocessedItems?.[adapter.tableName]
    }
  }
  await adapter.rebuildIndexes({ collection: 'events', pageSize: 500 })
  void payload
  return someID
}

async function measure(
  payload: Payload,
  adapter: DynamoDBAdapter,
  n: number,
  query: string,
  run: () => Promise<number>,
): Promise<Row> {
  const latencies: number[] = []
  let requests = 0
  let rcu = 0
  let returned = 0
  for (let i = 0; i < RUNS; i++) {
    const before = adapter.stats.snapshot()
    const started = performance.now()
    returned = await run()
    latencies.push(performance.now() - started)
    const after = adapter.stats.snapshot()
    requests = after.requests - before.requests
    rcu = after.rcu - before.rcu
  }
  latencies.sort((a, b) => a - b)
  void payload
  return { latencyMs: latencies[Math.floor(RUNS / 2)], n, query, rcu, requests, returned }
}

async function benchSize(endpoint: string, n: number): Promise<Row[]> {
  const config = await buildConfig({
    collections: [
      {
        slug: 'events',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'category', type: 'select', index: true, options: CATEGORIES },
          { name: 'score', type: 'number', index: true },
          { name: 'happenedAt', type: 'date', index: true },
          { name: 'tag', type: 'text' },
          { name: 'note', type: 'text' },
        ],
      },
    ],
    db: dynamodbAdapter({
      clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
      logFallbackQueries: false,
      tableName: `bench-${n}-${Date.now()}`,
    }),
    secret: 'bench-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  const payload = await getPayload({ config, key: `bench-${n}` })
  const adapter = payload.db as unknown as DynamoDBAdapter
  const loadStart = performance.now()
  const someID = await load(payload, adapter, n)
  console.error(
    `loaded and indexed ${n} documents in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`,
  )

  const find = (where?: Where, sort?: string) => async () =>
    (await payload.find({ collection: 'events', depth: 0, limit: 10, sort, where })).docs.length
  const rows = [
    await measure(
      payload,
      adapter,
      n,
      'page 1 of 10, sort -createdAt',
      find(undefined, '-createdAt'),
    ),
    await measure(
      payload,
      adapter,
      n,
      'indexed equality (category)',
      find({ category: { equals: 'tech' } }),
    ),
    await measure(
      payload,
      adapter,
      n,
      'indexed date range (happenedAt, 1 day)',
      find(
        {
          happenedAt: {
            greater_than_equal: '2020-01-10T00:00:00.000Z',
            less_than: '2020-01-11T00:00:00.000Z',
          },
        },
        'happenedAt',
      ),
    ),
    await measure(payload, adapter, n, 'findByID', async () =>
      (await payload.findByID({ id: someID, collection: 'events', depth: 0 })) ? 1 : 0,
    ),
    await measure(
      payload,
      adapter,
      n,
      'count (unfiltered)',
      async () => (await payload.count({ collection: 'events' })).totalDocs,
    ),
    await measure(
      payload,
      adapter,
      n,
      'count (indexed equality)',
      async () =>
        (await payload.count({ collection: 'events', where: { category: { equals: 'tech' } } }))
          .totalDocs,
    ),
    await measure(
      payload,
      adapter,
      n,
      'NOT indexed: equality (tag)',
      find({ tag: { equals: 'tag-7' } }),
    ),
    await measure(payload, adapter, n, 'NOT indexed: sort by title', find(undefined, 'title')),
    await measure(
      payload,
      adapter,
      n,
      'NOT indexed: count (tag)',
      async () =>
        (await payload.count({ collection: 'events', where: { tag: { equals: 'tag-7' } } }))
          .totalDocs,
    ),
  ]
  await payload.destroy()
  return rows
}

async function main() {
  const engine = await startDynamoDBLocal()
  try {
    const rows: Row[] = []
    for (const n of SIZES) {
      rows.push(...(await benchSize(engine.endpoint, n)))
    }
    const header =
      '| N | query | requests | RCU | median ms | docs returned |\n|---:|---|---:|---:|---:|---:|'
    const lines = rows.map(
      (row) =>
        `| ${row.n} | ${row.query} | ${row.requests} | ${row.rcu.toFixed(1)} | ${row.latencyMs.toFixed(1)} | ${row.returned} |`,
    )
    const table = [header, ...lines].join('\n')
    console.log(table)
    const first = rows.find((row) => row.n === SIZES[0] && row.query.startsWith('page 1'))
    const last = rows.find(
      (row) => row.n === SIZES[SIZES.length - 1] && row.query.startsWith('page 1'),
    )
    const ratio =
      first && last && first.rcu > 0
        ? `\nindexed list page: RCU at N=${last.n} / RCU at N=${first.n} = ${(last.rcu / first.rcu).toFixed(2)}`
        : ''
    console.log(ratio)
    if (process.env.BENCH_WRITE_DOC !== 'false') {
      writeFileSync(
        new URL('../docs/benchmarks.results.md', import.meta.url),
        `${table}\n${ratio}\n`,
      )
    }
  } finally {
    await engine.stop()
  }
  process.exit(0)
}

await main()
