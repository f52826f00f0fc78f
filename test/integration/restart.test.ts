/**
 * Payload transactions across an engine crash: DynamoDB Local is killed (SIGKILL) while
 * transactions are open and commits are in flight, then started again on the same files and
 * Payload booted on it. Transactions never committed left no trace; each committed one is there
 * whole; each transaction whose commit was cut off is there wholly or not at all (its create,
 * update and delete together); verifyIndexes is clean and queries on the indexed and unique
 * fields are exact.
 */
import type { Config, Payload, PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buildConfig,
  commitTransaction,
  getPayload,
  initTransaction,
  killTransaction,
} from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDBLocal } from '../support/dynamodbLocal.mjs'
import { type Outcome, settle } from '../support/workload.js'

const tableName = `restart-${randomUUID()}`
const LANES = 5
const POOL = 80
/** See `justBeforeKill`. */
const JUST_BEFORE_KILL_MS = 1500

type Account = { group?: null | string; id: number | string; ref?: null | string }

async function bootOn(endpoint: string): Promise<Payload> {
  const config: Config = {
    collections: [
      {
        slug: 'accounts',
        fields: [
          { name: 'ref', type: 'text', unique: true },
          { name: 'group', type: 'text', index: true },
        ],
      },
    ],
    db: dynamodbAdapter({
      clientConfig: {
        credentials: LOCAL_CREDENTIALS,
        endpoint,
        maxAttempts: 2,
        region: LOCAL_REGION,
      },
      logFallbackQueries: false,
      tableName,
    }),
    secret: 'restart-test-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
  return getPayload({ config: await buildConfig(config), key: `restart-${randomUUID()}` })
}

/** A transaction's documents: it creates `n-<name>`, updates `d-<name>` and deletes `e-<name>`. */
type Pair = { deleted: number | string; name: string; updated: number | string }

async function runTransaction(
  payload: Payload,
  pair: Pair,
  commit: boolean,
  onCommit?: () => void,
): Promise<PayloadRequest> {
  const req = { payload } as PayloadRequest
  await initTransaction(req)
  await payload.create({
    collection: 'accounts',
    data: { group: 'new', ref: `n-${pair.name}` },
    req,
  })
  await payload.update({
    id: pair.updated,
    collection: 'accounts',
    data: { group: 'changed', ref: `d-${pair.name}-new` },
    req,
  })
  await payload.delete({ id: pair.deleted, collection: 'accounts', req })
  if (commit) {
    onCommit?.()
    await commitTransaction(req)
  }
  return req
}

describe('an engine crash with Payload transactions open and commits in flight', () => {
  const dbPath = mkdtempSync(join(tmpdir(), 'dynamodb-restart-'))

  afterAll(() => {
    rmSync(dbPath, { force: true, recursive: true })
  })

  it('leaves uncommitted transactions without a trace and every other one whole or absent', async () => {
    const started = Date.now()
    const first = await startDynamoDBLocal({ dbPath })
    let payload: Payload | undefined
    let second: Awaited<ReturnType<typeof startDynamoDBLocal>> | undefined
    // The helper's kill() waits for an exit that already happened when called twice.
    let killed = false
    try {
      payload = await bootOn(first.endpoint)
      const live = payload
      const seedPair = async (name: string): Promise<Pair> => {
        const [updated, deleted] = await Promise.all([
          live.create({ collection: 'accounts', data: { group: 'orig', ref: `d-${name}` } }),
          live.create({ collection: 'accounts', data: { group: 'orig', ref: `e-${name}` } }),
        ])
        return { deleted: deleted.id, name, updated: updated.id }
      }
      const seedPairs = async (prefix: string, count: number) => {
        const pairs: Pair[] = []
        for (let start = 0; start < count; start += 10) {
          pairs.push(
            ...(await Promise.all(
              Array.from({ length: Math.min(10, count - start) }, (_, i) =>
                seedPair(`${prefix}${start + i}`),
              ),
            )),
          )
        }
        return pairs
      }
      const committed = await seedPairs('c', 5)
      const open = await seedPairs('o', 5)
      const pool = await seedPairs('w', POOL)

      // Committed before the crash.
      for (const pair of committed) {
        await runTransaction(live, pair, true)
      }
      // Open at the crash, never committed.
      const openRequests: PayloadRequest[] = []
      for (const pair of open) {
        openRequests.push(await runTransaction(live, pair, false))
      }

      // Lanes run transactions (and plain creates) until the engine dies under them.
      const fates = new Map<string, Outcome | 'unstarted'>(
        pool.map((pair) => [pair.name, 'unstarted']),
      )
      const creates = new Map<string, Outcome>()
      const rejections: string[] = []
      // When each write was acknowledged: see JUST_BEFORE_KILL_MS.
      const ackedAt = new Map<string, number>()
      let stopped = false
      let inCommit = 0
      let next = 0
      const lane = async (laneNo: number) => {
        for (let i = 0; !stopped; i++) {
          if ((i + laneNo) % 3 === 2) {
            const ref = `p-${laneNo}-${i}`
            creates.set(
              ref,
              (
                await settle(
                  () => live.create({ collection: 'accounts', data: { group: 'plain', ref } }),
                  rejections,
                )
              ).outcome,
            )
            ackedAt.set(ref, Date.now())
            continue
          }
          const pair = pool[next++]
          if (!pair) {
            return
          }
          let committing = false
          const result = await settle(
            () =>
              runTransaction(live, pair, true, () => {
                committing = true
                inCommit++
              }),
            rejections,
          )
          if (committing) {
            inCommit--
          }
          fates.set(pair.name, result.outcome)
          ackedAt.set(pair.name, Date.now())
        }
      }
      const lanes = Array.from({ length: LANES }, (_, n) => lane(n))
      // Kill the engine while at least two commits are in flight (bounded wait).
      await new Promise((resolve) => setTimeout(resolve, 800))
      // Polled every 2 ms for up to 10 s: commits take tens of milliseconds, so one is caught
      // in flight even on a loaded machine.
      for (let i = 0; i < 5000 && inCommit < 2 && next < POOL; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
      const inCommitAtKill = inCommit
      const killedAfterMs = Date.now() - started
      const killedAt = Date.now()
      killed = true
      await first.kill()
      stopped = true
      await Promise.all(lanes)
      for (const req of openRequests) {
        await killTransaction(req)
      }
      await payload.destroy().catch(() => undefined)
      payload = undefined

      // Every rejection reached Payload as an APIError, never the SDK's error.
      expect(rejections.filter((rejection) => rejection.startsWith('NOT-AN-APIERROR'))).toEqual([])
      expect(inCommitAtKill).toBeGreaterThanOrEqual(1)

      second = await startDynamoDBLocal({ dbPath })
      payload = await bootOn(second.endpoint)
      const restartedAfterMs = Date.now() - started
      const reopened = payload
      const adapter = reopened.db as unknown as DynamoDBAdapter
      const report = await adapter.verifyIndexes({ collection: 'accounts' })
      expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
      expect(report.counter).toBe(report.documents)

      const all = (
        await reopened.find({ collection: 'accounts', depth: 0, limit: 0, pagination: false })
      ).docs as unknown as Account[]
      expect(all).toHaveLength(report.documents)
      expect((await reopened.count({ collection: 'accounts' })).totalDocs).toBe(all.length)
      const byID = new Map(all.map((doc) => [String(doc.id), doc]))
      const withRef = (ref: string) => all.filter((doc) => doc.ref === ref)

      /** 'new' when the whole transaction is there, 'old' when none of it, else what was seen. */
      const stateOf = (pair: Pair): string => {
        const created = withRef(`n-${pair.name}`)
        const updated = byID.get(String(pair.updated))
        const deleted = byID.get(String(pair.deleted))
        const isNew =
          created.length === 1 &&
          created[0].group === 'new' &&
          updated?.ref === `d-${pair.name}-new` &&
          updated.group === 'changed' &&
          deleted === undefined
        const isOld =
          created.length === 0 &&
          updated?.ref === `d-${pair.name}` &&
          updated.group === 'orig' &&
          deleted?.ref === `e-${pair.name}` &&
          deleted.group === 'orig'
        return isNew
          ? 'new'
          : isOld
            ? 'old'
            : JSON.stringify({ created, deleted, name: pair.name, updated })
      }
      expect(committed.map(stateOf)).toEqual(committed.map(() => 'new'))
      expect(open.map(stateOf)).toEqual(open.map(() => 'old'))
      // DynamoDB Local (SQLite files) can lose what it acknowledged in the last moments before a
      // SIGKILL; the service does not. Writes acknowledged that close to the kill are held to
      // all-or-nothing only (checked below with the cut ones); every earlier one must be there.
      const justBeforeKill = (name: string) =>
        (ackedAt.get(name) ?? 0) > killedAt - JUST_BEFORE_KILL_MS
      const cut: string[] = []
      for (const pair of pool) {
        const fate = fates.get(pair.name)
        const state = stateOf(pair)
        if (fate === 'acknowledged' && !justBeforeKill(pair.name)) {
          expect({ name: pair.name, state }).toEqual({ name: pair.name, state: 'new' })
        } else if (fate === 'unstarted') {
          expect({ name: pair.name, state }).toEqual({ name: pair.name, state: 'old' })
        } else {
          expect({ name: pair.name, state }).toEqual({
            name: pair.name,
            state: expect.stringMatching(/^(new|old)$/),
          })
          cut.push(`${pair.name}:${state}`)
        }
      }
      for (const [ref, outcome] of creates) {
        const found = withRef(ref).length
        if (outcome === 'acknowledged' && !justBeforeKill(ref)) {
          expect({ found, ref }).toEqual({ found: 1, ref })
        } else {
          expect(found).toBeLessThanOrEqual(1)
        }
      }
      // Nothing but what the test wrote.
      const known = new Set([
        ...[...committed, ...open, ...pool].flatMap((pair) => [
          `n-${pair.name}`,
          `d-${pair.name}`,
          `d-${pair.name}-new`,
          `e-${pair.name}`,
        ]),
        ...creates.keys(),
      ])
      expect(all.filter((doc) => !known.has(doc.ref ?? ''))).toEqual([])

      // Queries on the unique and the indexed field return exactly the stored documents.
      const ids = (docs: { id: number | string }[]) => docs.map((doc) => String(doc.id)).sort()
      const refs = [...known]
      for (let start = 0; start < refs.length; start += 25) {
        await Promise.all(
          refs.slice(start, start + 25).map(async (ref) => {
            const found = await reopened.find({
              collection: 'accounts',
              depth: 0,
              limit: 0,
              pagination: false,
              where: { ref: { equals: ref } },
            })
            expect({ ids: ids(found.docs), ref }).toEqual({ ids: ids(withRef(ref)), ref })
          }),
        )
      }
      for (const group of ['orig', 'new', 'changed', 'plain']) {
        const found = await reopened.find({
          collection: 'accounts',
          depth: 0,
          limit: 0,
          pagination: false,
          where: { group: { equals: group } },
        })
        expect({ group, ids: ids(found.docs) }).toEqual({
          group,
          ids: ids(all.filter((doc) => doc.group === group)),
        })
      }

      // The unique values the uncommitted transactions took are free.
      for (const pair of open) {
        await reopened.create({
          collection: 'accounts',
          data: { group: 'plain', ref: `n-${pair.name}` },
        })
      }
      const after = await adapter.verifyIndexes({ collection: 'accounts' })
      expect(after).toMatchObject({ clean: true, documents: report.documents + open.length })

      console.log(
        JSON.stringify({
          creates: [...creates.values()].reduce<Record<string, number>>((sum, outcome) => {
            sum[outcome] = (sum[outcome] ?? 0) + 1
            return sum
          }, {}),
          cut,
          documents: report.documents,
          inCommitAtKill,
          killedAfterMs,
          ms: Date.now() - started,
          restartedAfterMs,
          rejections: rejections.length,
          transactions: [...fates.values()].reduce<Record<string, number>>((sum, fate) => {
            sum[fate] = (sum[fate] ?? 0) + 1
            return sum
          }, {}),
        }),
      )
    } finally {
      await payload?.destroy().catch(() => undefined)
      if (!killed) {
        await first.kill()
      }
      await second?.stop()
    }
  }, 240_000)
})
