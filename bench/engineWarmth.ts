/**
 * How much of the mixed workload's create time is DynamoDB Local warming up, and how much this
 * process: the workload's 220 creates (20 authors, 20 tags, 180 articles) through the Local API,
 * four times, each on its own table. Three on one engine (this process and the engine both cold,
 * then both warmer), then one on a freshly started engine with this process warm. With
 * `--sqlite`, the same creates on db-sqlite (twice) for reference. Medians in ms per create by
 * stretch of the workload, and the total.
 *
 *   npm run bench:warmth [-- --sqlite]
 */
import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildConfig, type DatabaseAdapterObj, getPayload } from 'payload'

import { dynamodbAdapter } from '../src/index.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'
import { median } from './measure.js'
import { createOperations, type Lane, workloadCollections } from './workloadOperations.js'

const STRETCHES: [string, number, number][] = [
  ['authors', 0, 20],
  ['tags', 20, 40],
  ['articles 1-30', 40, 70],
  ['articles 31-100', 70, 140],
  ['articles 101-180', 140, 220],
]

async function createAll(name: string, db: DatabaseAdapterObj): Promise<string> {
  const config = await buildConfig({
    collections: workloadCollections(),
    db,
    secret: 'engine-warmth',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  const payload = await getPayload({ config, key: randomUUID() })
  const lane: Lane = { authorIDs: [], payload, tagIDs: [] }
  const latencies: number[] = []
  for (const operation of createOperations()) {
    const started = performance.now()
    await operation.run(lane)
    latencies.push(performance.now() - started)
  }
  await payload.destroy()
  const cells = STRETCHES.map(([, from, to]) => median(latencies.slice(from, to)).toFixed(1))
  const total = latencies.reduce((sum, each) => sum + each, 0)
  return `| ${name} | ${cells.join(' | ')} | ${total.toFixed(0)} |`
}

const dynamodb = (endpoint: string) =>
  dynamodbAdapter({
    clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
    logFallbackQueries: false,
    tableName: `warmth-${randomUUID()}`,
  })

const rows: string[] = []
if (process.argv.includes('--sqlite')) {
  // Each run has its own file: push the schema to each (Drizzle skips a schema it pushed before).
  process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'
  for (const run of ['db-sqlite, first run', 'db-sqlite, second run']) {
    const url = `file:${join(tmpdir(), `warmth-${randomUUID()}.db`)}`
    rows.push(await createAll(run, sqliteAdapter({ client: { url }, push: true })))
  }
}
const engine = await startDynamoDBLocal()
rows.push(await createAll('process cold, engine fresh', dynamodb(engine.endpoint)))
rows.push(await createAll('process warm, engine 2nd run', dynamodb(engine.endpoint)))
rows.push(await createAll('process warm, engine 3rd run', dynamodb(engine.endpoint)))
await engine.stop()
const fresh = await startDynamoDBLocal()
rows.push(await createAll('process warm, engine fresh', dynamodb(fresh.endpoint)))
await fresh.stop()
console.log(`| run | ${STRETCHES.map(([name]) => name).join(' | ')} | total ms |`)
console.log(`|---|${STRETCHES.map(() => '---:').join('|')}|---:|`)
console.log(rows.join('\n'))
process.exit(0)
