/**
 * Hot keys: how often creates and updates retry, and whether they still succeed and count exactly, when
 * DynamoDB answers some transactions with `TransactionConflict` (two transactions touching one
 * item at once). DynamoDB Local never conflicts, so a proxy injects conflicts at the rate a busy
 * collection would see them (the model in docs/scaling.md), per `counterShards` setting.
 *
 *   npm run bench:hot                       # the rates and shard settings of docs/scaling.md
 *   HOT_CREATES=200 npm run bench:hot
 */
import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload } from 'payload'

import { dynamodbAdapter } from '../src/index.js'
import { startDynamoDBLocal } from '../test/support/dynamodbLocal.mjs'
import { startFaultProxy } from '../test/support/faultProxy.js'

const CREATES = Number(process.env.HOT_CREATES ?? 300)
const CONCURRENCY = 16
/**
 * Assumed time a transaction holds its items (DynamoDB does not publish it; its latency is about
 * 10-20 ms). A create conflicts when another transaction touches one of its hot items meanwhile.
 */
const HOLD_MS = 10
/** Write rates, each with the shard settings worth comparing at that rate. */
const SCENARIOS: [rate: number, shards: number[]][] = [
  [100, [1, 8]],
  [1000, [8, 32, 100]],
  [10000, [8, 100, 1000]],
]

/**
 * The chance that one create meets a conflict at `rate` creates a second: it touches one shard of
 * the collection counter and one shard of its status value's counter (worst case: every create
 * has the same status), each written by rate / shards transactions a second (Poisson arrivals).
 */
export function conflictChance(rate: number, shards: number): number {
  const hotWritesPerSecond = 2 * (rate / shards)
  return 1 - Math.exp(-hotWritesPerSecond * (HOLD_MS / 1000))
}

/**
 * The chance that one update meets a conflict at `rate` writes a second: an update that changes
 * no indexed value touches one hot item, a collection counter shard (its stamp), written by
 * rate / shards transactions a second.
 */
export function updateConflictChance(rate: number, shards: number): number {
  return 1 - Math.exp(-(rate / shards) * (HOLD_MS / 1000))
}

type Result = {
  attemptsPerCreate: number
  attemptsPerUpdate: number
  chance: number
  exact: boolean
  failed: number
  rate: number
  shards: number
  updateChance: number
  updatesFailed: number
  verified: boolean
}

/** Runs `task(i)` for i < count, CONCURRENCY at once; the number that threw. */
async function concurrently(count: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let failed = 0
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++
        try {
          await task(i)
        } catch {
          failed++
        }
      }
    }),
  )
  return failed
}

async function measure(endpoint: string, rate: number, shards: number): Promise<Result> {
  const chance = Math.min(0.99, conflictChance(rate, shards))
  const proxy = await startFaultProxy({
    operations: ['TransactWriteItems'],
    rates: { transactionConflict: chance },
    seed: rate + shards,
    target: endpoint,
  })
  const config = await buildConfig({
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'status', type: 'select', index: true, options: ['draft', 'published'] },
        ],
      },
    ],
    db: dynamodbAdapter({
      clientConfig: proxy.clientConfig(),
      counterShards: shards,
      logFallbackQueries: false,
      tableName: `hot-${randomUUID()}`,
    }),
    secret: 'hot-keys-bench',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  const payload = await getPayload({ config, key: randomUUID() })
  proxy.resetCounts()
  const ids: (number | string)[] = []
  const failed = await concurrently(CREATES, async () => {
    const doc = await payload.create({ collection: 'posts', data: { status: 'draft', title: 't' } })
    ids.push(doc.id)
  })
  const createTransactions = proxy.counts().byOperation.TransactWriteItems?.requests ?? 0

  // Then as many updates of the created documents' unindexed title: each touches only its
  // document and one collection counter shard.
  const updateChance = Math.min(0.99, updateConflictChance(rate, shards))
  proxy.configure({
    operations: ['TransactWriteItems'],
    rates: { transactionConflict: updateChance },
  })
  proxy.resetCounts()
  const updated = new Set<number | string>()
  const updatesFailed = await concurrently(CREATES, async (i) => {
    const id = ids[i % ids.length]
    if (id === undefined) {
      throw new Error('no document was created')
    }
    await payload.update({ id, collection: 'posts', data: { title: `updated ${i}` } })
    updated.add(id)
  })
  const updateTransactions = proxy.counts().byOperation.TransactWriteItems?.requests ?? 0
  proxy.configure({ rates: {} })

  const stored = await payload.find({ collection: 'posts', limit: 0, pagination: false })
  const counted = await payload.count({
    collection: 'posts',
    where: { status: { equals: 'draft' } },
  })
  const total = await payload.count({ collection: 'posts' })
  const retitled = stored.docs.filter((doc) => doc.title !== 't').length
  const report = await (
    payload.db as unknown as { verifyIndexes: (args: object) => Promise<{ clean: boolean }> }
  ).verifyIndexes({ collection: 'posts' })
  await payload.destroy()
  await proxy.close()
  return {
    attemptsPerCreate: createTransactions / CREATES,
    attemptsPerUpdate: updateTransactions / CREATES,
    chance,
    exact:
      stored.docs.length === CREATES - failed &&
      counted.totalDocs === stored.docs.length &&
      total.totalDocs === stored.docs.length &&
      retitled === updated.size,
    failed,
    rate,
    shards,
    updateChance,
    updatesFailed,
    verified: report.clean,
  }
}

const percent = (chance: number) => `${(chance * 100).toFixed(1)}%`

async function main() {
  const local = await startDynamoDBLocal()
  const lines = [
    `Hot keys: ${CREATES} creates then ${CREATES} updates, ${CONCURRENCY} at once, TransactionConflict injected per TransactWriteItems (hold time ${HOLD_MS} ms).`,
    '',
    '| writes/s | counterShards | create: conflict chance per attempt | TransactWriteItems per create | creates failed | update: conflict chance per attempt | TransactWriteItems per update | updates failed | counts exact, verifyIndexes clean |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ]
  try {
    for (const [rate, settings] of SCENARIOS) {
      for (const shards of settings) {
        const result = await measure(local.endpoint, rate, shards)
        lines.push(
          `| ${rate} | ${shards} | ${percent(result.chance)} | ${result.attemptsPerCreate.toFixed(2)} | ${result.failed} | ${percent(result.updateChance)} | ${result.attemptsPerUpdate.toFixed(2)} | ${result.updatesFailed} | ${result.exact && result.verified ? 'yes' : `NO (counts ${result.exact ? 'exact' : 'wrong'}, verify ${result.verified ? 'clean' : 'drift'})`} |`,
        )
        console.log(lines[lines.length - 1])
      }
    }
  } finally {
    await local.stop()
  }
  console.log(`\n${lines.join('\n')}`)
}

await main()
process.exit(0)
