/**
 * Benchmark: what Payload's Local API costs on this adapter over DynamoDB Local.
 *
 *   npm run bench                                 # N = 1000, 10000, 50000, then the mixed workload
 *   BENCH_SIZES=1000,10000 npm run bench          # other sizes
 *   BENCH_MIXED=false npm run bench               # only the table
 *   BENCH_TABLE=false npm run bench               # only the mixed workload and the profile
 *
 * Prints markdown tables (pasted into docs/benchmarks.md):
 * 1. The table: list pages and counts at each N, counted by a proxy in front of DynamoDB
 *    Local (items read, items returned, requests, RCU) with the median latency of 5 runs.
 * 2. A mixed workload timed against @payloadcms/db-sqlite in the same run.
 * 3. Requests per Local API operation beside the fewest DynamoDB needs.
 */
import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload, type Payload } from 'payload'

import { dynamodbAdapter } from '../src/index.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'
import { type CountingProxy, startCountingProxy } from './countingProxy.js'
import { formatNumber, ratio } from './measure.js'
import { runMixedWorkload, workloadTables } from './mixedWorkload.js'
import { profileOperations } from './operationProfile.js'
import {
  measureTable,
  postsCollection,
  seedPosts,
  type TableResult,
  TABLE_ROWS,
} from './tableRows.js'

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number)
const RUNS = 5
/** The fallback reads the whole collection: fewer runs at large N keep the bench short. */
const RUNS_LARGE_FALLBACK = 3
const WORKLOAD_PAIRS = 300
/** The bar: a row at 10k costs at most 1.2x what it costs at 1k. */
const GROWTH_BAR = 1.2

const log = (message: string) => console.error(`[bench ${new Date().toISOString()}] ${message}`)

async function bootPosts(proxy: CountingProxy): Promise<Payload> {
  const config = await buildConfig({
    collections: [postsCollection()],
    db: dynamodbAdapter({
      clientConfig: {
        credentials: LOCAL_CREDENTIALS,
        endpoint: proxy.endpoint,
        region: LOCAL_REGION,
      },
      logFallbackQueries: false,
      tableName: `bench-posts-${randomUUID()}`,
    }),
    secret: 'bench-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  return getPayload({ config, key: 'bench-posts' })
}

async function runTable(endpoint: string): Promise<TableResult[]> {
  const proxy = await startCountingProxy(endpoint)
  const payload = await bootPosts(proxy)
  const results: TableResult[] = []
  let seeded = 0
  try {
    for (const n of SIZES) {
      const started = performance.now()
      await seedPosts(payload, seeded, n)
      log(
        `seeded ${seeded} -> ${n} posts in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      )
      seeded = n
      const runs = n > 10_000 ? RUNS_LARGE_FALLBACK : RUNS
      const started2 = performance.now()
      results.push(...(await measureTable(payload, proxy, n, runs)))
      log(`measured N=${n} in ${((performance.now() - started2) / 1000).toFixed(1)} s`)
    }
  } finally {
    await payload.destroy()
    await proxy.close()
  }
  return results
}

function renderTable(results: TableResult[]): string {
  const first = SIZES[0]
  const lines = [
    `| query | N | items read | items returned | requests | RCU | median ms | growth vs N=${formatNumber(first)} |`,
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ]
  for (const row of TABLE_ROWS) {
    const base = results.find((result) => result.row === row && result.n === first)
    for (const result of results.filter((entry) => entry.row === row)) {
      const measured = result.measured
      const growth =
        result.n === first || !base
          ? ''
          : row.byReturned
            ? `${ratio(measured.itemsReturned, base.measured.itemsReturned)} returned (read ${ratio(measured.itemsRead, base.measured.itemsRead)})`
            : `${ratio(measured.itemsRead, base.measured.itemsRead)} read`
      const heap =
        measured.heap === undefined
          ? ''
          : `peak heap +${measured.heap.peakMB.toFixed(0)} MB` +
            (measured.heap.liveMB === undefined
              ? ''
              : ` (live after GC +${measured.heap.liveMB.toFixed(0)} MB)`)
      lines.push(
        `| ${row.name} | ${formatNumber(result.n)} | ${formatNumber(measured.itemsRead)} | ${formatNumber(measured.itemsReturned)} | ${measured.requests} | ${formatNumber(measured.rcu, 1)} | ${measured.medianMs.toFixed(1)} | ${[growth, heap].filter(Boolean).join('; ')} |`,
      )
    }
  }
  return lines.join('\n')
}

/** One line per row: does it meet the bar at 10k (when both 1k and 10k were measured)? */
function renderVerdicts(results: TableResult[]): string {
  const lines: string[] = []
  for (const row of TABLE_ROWS) {
    const small = results.find((result) => result.row === row && result.n === 1000)
    const large = results.find((result) => result.row === row && result.n === 10_000)
    if (!small || !large) {
      continue
    }
    const measure = row.byReturned ? 'itemsReturned' : 'itemsRead'
    const growth =
      small.measured[measure] === 0 ? 1 : large.measured[measure] / small.measured[measure]
    lines.push(
      `- ${growth <= GROWTH_BAR ? 'meets' : 'MISSES'} the 1.2x bar: ${row.name} (${row.byReturned ? 'items returned' : 'items read'} x${growth.toFixed(2)} from 1k to 10k)`,
    )
  }
  return lines.join('\n')
}

async function main() {
  const engine = await startDynamoDBLocal()
  const output: string[] = []
  try {
    if (process.env.BENCH_TABLE !== 'false') {
      const results = await runTable(engine.endpoint)
      output.push('### List pages and counts\n', renderTable(results), '', renderVerdicts(results))
    }
    if (process.env.BENCH_MIXED !== 'false') {
      log('mixed workload')
      const workload = await runMixedWorkload(engine.endpoint, WORKLOAD_PAIRS)
      try {
        output.push('\n### Mixed workload\n', workloadTables(workload.result))
        output.push('\n### Requests per operation\n', await profileOperations(workload.payload))
      } finally {
        await workload.close()
      }
    }
    console.log(output.join('\n'))
  } finally {
    await engine.stop()
  }
  process.exit(0)
}

await main()
