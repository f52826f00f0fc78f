/**
 * Split document writes (write/splitGroup.ts: entries before, the document with its counts,
 * the rest after, under the journal's lock) from several writers at once while the fault proxy
 * drops connections, loses responses (the write WAS applied), throttles, fails with 500s and
 * cancels transactions with `TransactionConflict`. Every write replaces all 40 values of two
 * indexed `hasMany` fields, so every one is split. With the faults off and the interrupted writes
 * finished (what the next start does), each document holds one whole set of values, finds and
 * counts by every value agree with what is stored, and `verifyIndexes` is clean. A rejected write
 * is an APIError, never a raw SDK error.
 */
import type { Config, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { type FaultProxy, startFaultProxy } from '../support/faultProxy.js'
import { seeded, settle } from '../support/workload.js'

const SETS = ['a', 'b', 'c']
const DOCUMENTS = 3
const LANES = 4
const OPS_PER_LANE = 5
const GRACE_MS = 2_000

const values = (prefix: string) => Array.from({ length: 40 }, (_, n) => `${prefix}${n}`)

describe('split document writes through injected faults', () => {
  let proxy: FaultProxy
  let payload: Payload
  let previousGrace: string | undefined

  beforeAll(async () => {
    // A write cut off by a fault leaves its journal and lock: writers of its document take it
    // over after the grace period, shortened here.
    previousGrace = process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
    process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = String(GRACE_MS)
    proxy = await startFaultProxy({ seed: Number(process.env.SPLIT_SEED ?? 20261204) })
    const config: Config = {
      collections: [
        {
          slug: 'posts',
          fields: [
            { name: 'title', type: 'text' },
            { name: 'tags', type: 'text', hasMany: true, index: true },
            { name: 'labels', type: 'text', hasMany: true, index: true },
          ],
        },
      ],
      db: dynamodbAdapter({
        clientConfig: proxy.clientConfig({ maxAttempts: 2 }),
        logFallbackQueries: false,
        readCache: false,
        tableName: `split-faults-${randomUUID()}`,
      }),
      secret: 'split-faults',
      telemetry: false,
      typescript: { autoGenerate: false },
    }
    payload = await getPayload({ config: await buildConfig(config), key: `split-${randomUUID()}` })
  })

  afterAll(async () => {
    await payload?.destroy()
    await proxy?.close()
    if (previousGrace === undefined) {
      delete process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
    } else {
      process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = previousGrace
    }
  })

  it('leaves every document with one whole set of values, and every answer and count exact', async () => {
    const ids: (number | string)[] = []
    for (let n = 0; n < DOCUMENTS; n++) {
      const doc = await payload.create({
        collection: 'posts',
        data: { labels: values('la'), tags: values('a'), title: `d${n}` },
      })
      ids.push(doc.id)
    }
    proxy.configure({
      rates: {
        drop: 0.04,
        lostResponse: 0.04,
        serverError: 0.03,
        throttle: 0.04,
        transactionConflict: 0.04,
      },
    })
    const rejections: string[] = []
    let acknowledged = 0
    await Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        const random = seeded(lane + 1)
        for (let op = 0; op < OPS_PER_LANE; op++) {
          const id = ids[Math.floor(random() * ids.length)]
          const set = SETS[Math.floor(random() * SETS.length)]
          const { outcome } = await settle(
            () =>
              payload.update({
                collection: 'posts',
                data: { labels: values(`l${set}`), tags: values(set) },
                id,
              }),
            rejections,
          )
          acknowledged += outcome === 'acknowledged' ? 1 : 0
        }
      }),
    )
    proxy.configure({})
    expect(rejections.filter((rejection) => rejection.startsWith('NOT-AN-APIERROR'))).toEqual([])
    expect(acknowledged).toBeGreaterThan(0)
    // The faults met the writes (seeds 1-3 and this one: 25-50 faults in 300-470 requests).
    expect(proxy.counts().lostResponse + proxy.counts().drop).toBeGreaterThan(0)

    // What the next start does, once the interrupted writes' grace period has passed.
    const adapter = payload.db as unknown as DynamoDBAdapter
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 200))
    await adapter.finishOpenCommits({ olderThanMs: 0 })

    const stored = new Map<string, string>()
    for (const id of ids) {
      const doc = await payload.findByID({ collection: 'posts', id })
      const set = SETS.find((each) => JSON.stringify(doc.tags) === JSON.stringify(values(each)))
      expect(set).toBeDefined()
      // Both fields come from the same write: never one write's tags with another's labels.
      expect(doc.labels).toEqual(values(`l${set}`))
      stored.set(String(id), set!)
    }
    for (const set of SETS) {
      const expected = ids.filter((id) => stored.get(String(id)) === set).map(String)
      for (const [field, value] of [
        ['tags', `${set}0`],
        ['tags', `${set}39`],
        ['labels', `l${set}17`],
      ]) {
        const where = { [field]: { equals: value } }
        const found = await payload.find({ collection: 'posts', limit: 0, where })
        expect(found.docs.map((doc) => String(doc.id)).sort()).toEqual([...expected].sort())
        expect((await payload.count({ collection: 'posts', where })).totalDocs).toBe(
          expected.length,
        )
      }
    }
    // The whole report on a failure: which entries or counters are off, with examples.
    const report = await adapter.verifyIndexes({ collection: 'posts' })
    expect(report.clean ? 'clean' : report).toBe('clean')
  }, 240_000)
})
