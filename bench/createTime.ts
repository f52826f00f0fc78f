/**
 * Where a create's time goes: the mixed workload's 180 article creates through the Local API,
 * split by a middleware pair on the adapter's DynamoDB client into the time outside the SDK
 * (Payload's create and this adapter's own work), the SDK's work before the request leaves
 * (serializing and signing), and the rest of the send (the request on the wire, DynamoDB Local
 * applying it, the response parsed). db-sqlite's create of the same articles runs first, in the
 * same process, for the ratio. Four runs on one engine, each on its own table: the first meets
 * a freshly started engine, the later ones a warmer one.
 *
 *   npm run bench:create
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'

import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildConfig, type DatabaseAdapterObj, getPayload, type Payload } from 'payload'

import { dynamodbAdapter } from '../src/index.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'
import { median } from './measure.js'
import { createOperations, type Lane, workloadCollections } from './workloadOperations.js'

/** Authors and tags come first in the workload; the articles after them are what is timed. */
const FIRST_ARTICLE = 40
const DYNAMODB_RUNS = 4

type Split = { afterSigning: number; requests: number; sdk: number; total: number }

async function boot(name: string, db: DatabaseAdapterObj): Promise<Payload> {
  const config = await buildConfig({
    collections: workloadCollections(),
    db,
    secret: `create-time-${name}`,
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  return getPayload({ config, key: randomUUID() })
}

/** Runs `run`, adding the time it takes to `record`. */
async function timed<T>(run: () => Promise<T>, record: (ms: number) => void): Promise<T> {
  const started = performance.now()
  try {
    return await run()
  } finally {
    record(performance.now() - started)
  }
}

/** The split of the current operation, filled in by the middleware while it runs. */
function watchClient(client: DynamoDBClient): Omit<Split, 'total'> {
  const current = { afterSigning: 0, requests: 0, sdk: 0 }
  const whole = (ms: number) => {
    current.sdk += ms
    current.requests++
  }
  const sent = (ms: number) => (current.afterSigning += ms)
  client.middlewareStack.add((next) => (args) => timed(() => next(args), whole), {
    name: 'createTimeWhole',
    step: 'initialize',
  })
  client.middlewareStack.add((next) => (args) => timed(() => next(args), sent), {
    name: 'createTimeSent',
    priority: 'low',
    step: 'finalizeRequest',
  })
  return current
}

async function runCreates(payload: Payload, current?: Omit<Split, 'total'>): Promise<Split[]> {
  const lane: Lane = { authorIDs: [], payload, tagIDs: [] }
  const splits: Split[] = []
  for (const [index, operation] of createOperations().entries()) {
    if (current) {
      Object.assign(current, { afterSigning: 0, requests: 0, sdk: 0 })
    }
    const started = performance.now()
    await operation.run(lane)
    const total = performance.now() - started
    if (index >= FIRST_ARTICLE) {
      splits.push({ afterSigning: 0, requests: 0, sdk: 0, ...current, total })
    }
  }
  return splits
}

const ms = (value: number) => value.toFixed(2)

process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'
const file = join(tmpdir(), `create-time-${randomUUID()}.db`)
const sqlite = await boot('sqlite', sqliteAdapter({ client: { url: `file:${file}` }, push: true }))
const sqliteMedian = median((await runCreates(sqlite)).map((split) => split.total))
await sqlite.destroy()
rmSync(file, { force: true })

const engine = await startDynamoDBLocal()
const rows: string[] = []
for (let run = 1; run <= DYNAMODB_RUNS; run++) {
  const payload = await boot(
    'dynamodb',
    dynamodbAdapter({
      clientConfig: {
        credentials: LOCAL_CREDENTIALS,
        endpoint: engine.endpoint,
        region: LOCAL_REGION,
      },
      logFallbackQueries: false,
      tableName: `create-time-${randomUUID()}`,
    }),
  )
  const current = watchClient((payload.db as unknown as { client: DynamoDBClient }).client)
  const splits = await runCreates(payload, current)
  await payload.destroy()
  const of = (pick: (split: Split) => number) => median(splits.map(pick))
  const total = of((split) => split.total)
  rows.push(
    `| ${run === 1 ? 'fresh engine' : `engine's run ${run}`} | ${ms(total)} | x${(total / sqliteMedian).toFixed(2)} | ` +
      `${ms(of((split) => split.total - split.sdk))} | ${ms(of((split) => split.sdk - split.afterSigning))} | ` +
      `${ms(of((split) => split.afterSigning))} | ${(splits.reduce((sum, split) => sum + split.requests, 0) / splits.length).toFixed(2)} |`,
  )
}
await engine.stop()

console.log(`db-sqlite: median ${ms(sqliteMedian)} ms per article create\n`)
console.log(
  '| DynamoDB Local | median ms per create | vs db-sqlite | outside the SDK (Payload, adapter) | SDK before sending | sent: wire, engine, parsing | requests per create |',
)
console.log('|---|---:|---:|---:|---:|---:|---:|')
console.log(rows.join('\n'))
process.exit(0)
