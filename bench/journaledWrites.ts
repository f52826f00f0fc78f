/**
 * What a write of more than 100 items costs (the commit journal and its document locks,
 * docs/consistency.md): one `updateMany` and one `deleteMany` over N documents, for N = 99 (one
 * transaction, no journal), 150 and 500. Prints ms, requests by command, RCU and WCU.
 *
 *   npm run bench:journal
 *   JOURNAL_SIZES=150,1000 npm run bench:journal
 */
import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../src/index.js'

import { dynamodbAdapter } from '../src/index.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'

const SIZES = (process.env.JOURNAL_SIZES ?? '99,150,500').split(',').map(Number)

const local = await startDynamoDBLocal()
const payload = await getPayload({
  config: await buildConfig({
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'group', type: 'text', index: true },
          { name: 'batch', type: 'text', index: true },
          { name: 'code', type: 'text', unique: true },
          { name: 'body', type: 'textarea' },
        ],
      },
    ],
    db: dynamodbAdapter({
      clientConfig: {
        credentials: LOCAL_CREDENTIALS,
        endpoint: local.endpoint,
        region: LOCAL_REGION,
      },
      // Every write and read goes to the table, as on a busy multi-process deployment.
      readCache: false,
      tableName: `bench-journal-${randomUUID()}`,
    }),
    secret: 'bench-journaled-writes',
    telemetry: false,
    typescript: { autoGenerate: false },
  }),
  key: 'bench-journaled-writes',
})
const adapter = payload.db as unknown as DynamoDBAdapter

type Row = {
  by: Record<string, number>
  ms: number
  operation: string
  rcu: number
  requests: number
  size: number
  wcu: number
}

async function measured(operation: string, size: number, work: () => Promise<unknown>) {
  adapter.stats.reset()
  const started = performance.now()
  await work()
  const ms = performance.now() - started
  const { rcu, requests, requestsByCommand, wcu } = adapter.stats.snapshot()
  return { by: requestsByCommand, ms, operation, rcu, requests, size, wcu }
}

const rows: Row[] = []
try {
  for (const size of SIZES) {
    const group = `g${size}`
    for (let i = 0; i < size; i++) {
      await payload.create({
        collection: 'items',
        // About 1 KB each, so that capacity shows what a document-sized write costs.
        data: { batch: 'start', body: 'x'.repeat(900), code: `${group}-${i}`, group },
      })
    }
    const where = { group: { equals: group } }
    rows.push(
      await measured('updateMany', size, () =>
        payload.db.updateMany({ collection: 'items', data: { batch: 'next' }, where }),
      ),
    )
    rows.push(
      await measured('deleteMany', size, () =>
        payload.db.deleteMany({ collection: 'items', where }),
      ),
    )
    const left = (await payload.count({ collection: 'items', where })).totalDocs
    if (left !== 0) {
      throw new Error(`${left} documents of ${group} were not deleted`)
    }
  }
  console.log('| operation | documents | ms | requests | by command | RCU | WCU |')
  console.log('|---|---:|---:|---:|---|---:|---:|')
  for (const row of rows) {
    const by = Object.entries(row.by)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([command, count]) => `${command} ${count}`)
      .join(', ')
    console.log(
      `| ${row.operation} | ${row.size} | ${row.ms.toFixed(0)} | ${row.requests} | ${by} | ${row.rcu.toFixed(1)} | ${row.wcu.toFixed(1)} |`,
    )
  }
} finally {
  await payload.destroy()
  await local.stop()
}
