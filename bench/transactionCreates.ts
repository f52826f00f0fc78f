/**
 * Creates staged in one Payload transaction (a seed script's pattern): each create's unique
 * values are checked against the transaction's staged documents, so the cost of a create must
 * not grow with how many are staged. Prints the mean time per create for each block of 200, the
 * commit's time, and whether every document was stored.
 *
 *   npm run bench:transaction               # 1,000 creates
 *   TX_CREATES=2000 npm run bench:transaction
 */
import { randomUUID } from 'node:crypto'
import {
  buildConfig,
  commitTransaction,
  createLocalReq,
  getPayload,
  initTransaction,
} from 'payload'

import { dynamodbAdapter } from '../src/index.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'

const CREATES = Number(process.env.TX_CREATES ?? 1000)
const BLOCK = 200

const local = await startDynamoDBLocal()
const payload = await getPayload({
  config: await buildConfig({
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'code', type: 'text', unique: true },
          { name: 'sku', type: 'text', unique: true },
        ],
      },
    ],
    db: dynamodbAdapter({
      clientConfig: {
        credentials: LOCAL_CREDENTIALS,
        endpoint: local.endpoint,
        region: LOCAL_REGION,
      },
      tableName: `bench-tx-${randomUUID()}`,
    }),
    secret: 'bench-transaction-creates',
    telemetry: false,
    typescript: { autoGenerate: false },
  }),
  key: 'bench-transaction-creates',
})

try {
  const req = await createLocalReq({}, payload)
  await initTransaction(req)
  const rows: string[] = []
  let started = performance.now()
  for (let i = 0; i < CREATES; i++) {
    await payload.create({ collection: 'items', data: { code: `c${i}`, sku: `s${i}` }, req })
    if ((i + 1) % BLOCK === 0 || i + 1 === CREATES) {
      const size = (i % BLOCK) + 1
      rows.push(
        `| ${i + 1 - size + 1}-${i + 1} | ${((performance.now() - started) / size).toFixed(2)} |`,
      )
      started = performance.now()
    }
  }
  const committing = performance.now()
  await commitTransaction(req)
  const commitMs = performance.now() - committing
  const stored = (await payload.count({ collection: 'items' })).totalDocs
  console.log(`Creates staged in one transaction (${CREATES}, two unique fields each):\n`)
  console.log('| creates | ms per create |\n|---|---:|')
  console.log(rows.join('\n'))
  console.log(`\ncommit: ${commitMs.toFixed(0)} ms; stored: ${stored} of ${CREATES}`)
  if (stored !== CREATES) {
    process.exitCode = 1
  }
} finally {
  await payload.destroy()
  await local.stop()
}
