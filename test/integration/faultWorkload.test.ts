/**
 * A concurrent workload through Payload while the fault proxy drops connections, delays requests,
 * loses responses (the write WAS applied), throttles and cancels TransactWriteItems with
 * `TransactionConflict`. Every operation's outcome is recorded as its caller saw it; with the
 * faults off afterwards, what is stored must agree with every acknowledged operation: creates
 * present once, deletes gone, each acknowledged `$inc` counted exactly once, no half-written
 * document or index entry, and queries on the indexed and unique fields exact. A rejected
 * operation must be an APIError (or ValidationError), never a raw SDK error, and may or may not
 * have been applied (its response may have been lost), but never twice.
 */
import type { Config, Payload, PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import {
  buildConfig,
  commitTransaction,
  getPayload,
  initTransaction,
  killTransaction,
} from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { type FaultProxy, startFaultProxy } from '../support/faultProxy.js'
import { type Outcome, seeded, settle } from '../support/workload.js'

const LANES = 6
const OPS_PER_LANE = 30
const COUNTERS = 4
const EDITED = 3
const GROUPS = ['g0', 'g1', 'g2', 'g3']

/** What a write was found to be by its caller: applied, maybe applied, or certainly not applied. */
type Fate = 'applied' | 'maybe' | 'none'
const fateOf = (outcome: Outcome): Fate => (outcome === 'acknowledged' ? 'applied' : 'maybe')

type Item = {
  group?: null | string
  hits?: null | number
  id: number | string
  log?: null | { id?: string; token?: null | string }[]
  ref?: null | string
}

describe('a concurrent workload through injected faults', () => {
  let proxy: FaultProxy
  let payload: Payload

  beforeAll(async () => {
    proxy = await startFaultProxy({ seed: 20240607 })
    const config: Config = {
      collections: [
        {
          slug: 'items',
          fields: [
            { name: 'ref', type: 'text', unique: true },
            { name: 'group', type: 'text', index: true },
            { name: 'hits', type: 'number', defaultValue: 0 },
            { name: 'log', type: 'array', fields: [{ name: 'token', type: 'text' }] },
          ],
        },
        // No index and no timestamps: an update writes the document and the collection's stamp.
        { slug: 'plain', fields: [{ name: 'hits', type: 'number' }], timestamps: false },
      ],
      db: dynamodbAdapter({
        clientConfig: proxy.clientConfig(),
        logFallbackQueries: false,
        // This test looks at index plans and requests, not at answers from memory.
        readCache: false,
        tableName: `fault-workload-${randomUUID()}`,
      }),
      secret: 'fault-workload-secret',
      telemetry: false,
      typescript: { autoGenerate: false },
    }
    payload = await getPayload({
      config: await buildConfig(config),
      key: `fault-workload-${randomUUID()}`,
    })
  })

  afterAll(async () => {
    await payload?.destroy()
    await proxy?.close()
  })

  // Regression tests: a write whose response was lost must be recognised as landed even when a
  // concurrent writer has replaced the document since (src/write/groups.ts `landed` once checked
  // only the document's latest write id, and a `$inc` was then counted twice).
  //
  // A document with no index: its write is the document and its collection's stamp (one
  // TransactWriteItems of two items); its response is lost, the SDK's retry (same token) is held
  // 1.5 s, another $inc lands meanwhile.
  it('a lost $inc of a document with no index is not applied again when another writer changed it meanwhile', async () => {
    const doc = await payload.create({ collection: 'plain', data: { hits: 0 } })
    proxy.resetCounts()
    proxy.configure({
      delayMs: 1500,
      operations: ['TransactWriteItems'],
      script: ['lostResponse', 'delay'],
    })
    const inc = () =>
      payload.db.updateOne({
        id: doc.id,
        collection: 'plain',
        data: { hits: { $inc: 1 } },
        returning: false,
      })
    const first = inc()
    for (let i = 0; i < 200 && proxy.counts().delay === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(proxy.counts()).toMatchObject({ delay: 1, lostResponse: 1 })
    await inc()
    await first
    proxy.configure({})
    expect((await payload.findByID({ id: doc.id, collection: 'plain' })).hits).toBe(2)
  })

  // A transaction: the SDK's retry of the lost TransactWriteItems meets a TransactionConflict, so
  // transactWrite sends it again under a new token, held until another $inc has landed.
  it('a lost $inc is not applied again when another writer changed the document meanwhile', async () => {
    const doc = await payload.create({
      collection: 'items',
      data: { group: 'g0', hits: 0, log: [], ref: 'lost-then-overwritten' },
    })
    proxy.resetCounts()
    proxy.configure({
      delayMs: 1500,
      operations: ['TransactWriteItems'],
      script: ['lostResponse', 'transactionConflict', 'delay'],
    })
    const inc = (token: string) =>
      payload.db.updateOne({
        id: doc.id,
        collection: 'items',
        data: { hits: { $inc: 1 }, log: { $push: { id: token, token } } },
        returning: false,
      })
    const first = inc('first')
    for (let i = 0; i < 200 && proxy.counts().delay === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(proxy.counts()).toMatchObject({ delay: 1, lostResponse: 1, transactionConflict: 1 })
    await inc('second')
    await first
    proxy.configure({})
    const after = (await payload.findByID({ id: doc.id, collection: 'items', depth: 0 })) as Item
    expect({ hits: after.hits, log: (after.log ?? []).map((row) => row.token) }).toEqual({
      hits: 2,
      log: ['first', 'second'],
    })
  })

  it('keeps every acknowledged write exactly once and nothing half-written', async () => {
    const started = Date.now()
    // Refs (unique values) written by creates and updates, with what their writer was told.
    const creates = new Map<string, { fate: Fate; id?: number | string }>()
    const updates = new Map<string, { fate: Fate; group: string; target: number | string }>()
    const incs = new Map<string, { fate: Fate; target: number | string }>()
    const deletes = new Map<number | string, Fate>()
    const rejections: string[] = []
    const counters: (number | string)[] = []
    const edited: (number | string)[] = []

    for (let k = 0; k < COUNTERS + EDITED; k++) {
      const ref = `shared-${k}`
      const doc = await payload.create({
        collection: 'items',
        data: { group: 'g0', hits: 0, log: [], ref },
      })
      updates.set(ref, { fate: 'applied', group: 'g0', target: doc.id })
      ;(k < COUNTERS ? counters : edited).push(doc.id)
    }

    proxy.configure({
      delayMs: 40,
      rates: {
        delay: 0.04,
        drop: 0.03,
        lostResponse: 0.05,
        throttle: 0.01,
        transactionConflict: 0.1,
      },
    })
    proxy.resetCounts()

    const lane = async (laneNo: number) => {
      const random = seeded(1000 + laneNo)
      const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]
      const mine: (number | string)[] = []
      for (let i = 0; i < OPS_PER_LANE; i++) {
        const name = `${laneNo}-${i}`
        const group = pick(GROUPS)
        const r = random()
        if (r < 0.22 || (r >= 0.72 && r < 0.84 && mine.length === 0)) {
          const ref = `c-${name}`
          const result = await settle(
            () => payload.create({ collection: 'items', data: { group, hits: 0, log: [], ref } }),
            rejections,
          )
          creates.set(ref, { fate: fateOf(result.outcome), id: result.value?.id })
          if (result.value) {
            mine.push(result.value.id)
          }
        } else if (r < 0.45) {
          const target = pick(counters)
          const token = `i-${name}`
          const result = await settle(
            () =>
              payload.db.updateOne({
                id: target,
                collection: 'items',
                data: { hits: { $inc: 1 }, log: { $push: { id: token, token } } },
                returning: false,
              }),
            rejections,
          )
          incs.set(token, { fate: fateOf(result.outcome), target })
        } else if (r < 0.58) {
          // A partial update of a counter document: its indexed and unique fields only.
          const target = pick(counters)
          const ref = `p-${name}`
          const result = await settle(
            () =>
              payload.db.updateOne({
                id: target,
                collection: 'items',
                data: { group, ref },
                returning: false,
              }),
            rejections,
          )
          updates.set(ref, { fate: fateOf(result.outcome), group, target })
        } else if (r < 0.72) {
          const target = pick(edited)
          const ref = `u-${name}`
          const result = await settle(
            () => payload.update({ id: target, collection: 'items', data: { group, ref } }),
            rejections,
          )
          updates.set(ref, { fate: fateOf(result.outcome), group, target })
        } else if (r < 0.84) {
          const id = mine.splice(Math.floor(random() * mine.length), 1)[0]
          const result = await settle(() => payload.delete({ id, collection: 'items' }), rejections)
          deletes.set(id, fateOf(result.outcome))
        } else {
          // An explicit transaction: a create, an $inc and a Payload update, then commit or kill.
          const commit = random() < 0.7
          const counter = pick(counters)
          const target = pick(edited)
          const createRef = `x-${name}`
          const token = `t-${name}`
          const updateRef = `xu-${name}`
          const req = { payload } as PayloadRequest
          await initTransaction(req)
          let fate: Fate = 'none'
          let createdID: number | string | undefined
          const inside = await settle(async () => {
            const created = await payload.create({
              collection: 'items',
              data: { group, hits: 0, log: [], ref: createRef },
              req,
            })
            createdID = created.id
            await payload.db.updateOne({
              id: counter,
              collection: 'items',
              data: { hits: { $inc: 1 }, log: { $push: { id: token, token } } },
              req,
              returning: false,
            })
            await payload.update({
              id: target,
              collection: 'items',
              data: { group, ref: updateRef },
              req,
            })
          }, rejections)
          if (inside.outcome === 'rejected' || !commit) {
            // Nothing of a transaction is stored before its commit.
            await killTransaction(req)
          } else {
            fate = fateOf((await settle(() => commitTransaction(req), rejections)).outcome)
            await killTransaction(req)
          }
          creates.set(createRef, { fate, id: createdID })
          incs.set(token, { fate, target: counter })
          updates.set(updateRef, { fate, group, target })
        }
      }
    }
    await Promise.all(Array.from({ length: LANES }, (_, n) => lane(n)))
    const workloadMs = Date.now() - started

    const counts = proxy.counts()
    proxy.configure({})

    // Every rejection reached Payload as an APIError or a ValidationError, never the SDK's error.
    expect(rejections.filter((rejection) => rejection.startsWith('NOT-AN-APIERROR'))).toEqual([])

    // The proxy did inject every kind of fault.
    for (const fault of ['drop', 'lostResponse', 'delay', 'throttle'] as const) {
      expect({ fault, count: counts[fault] }).toEqual({ fault, count: expect.any(Number) })
      expect(counts[fault]).toBeGreaterThan(0)
    }
    expect(counts.byOperation.TransactWriteItems?.transactionConflict ?? 0).toBeGreaterThan(0)
    expect(counts.byOperation.TransactWriteItems?.lostResponse ?? 0).toBeGreaterThan(0)

    // Nothing half-written: entries, markers and counter agree with the documents.
    const adapter = payload.db as unknown as DynamoDBAdapter
    const report = await adapter.verifyIndexes({ collection: 'items' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
    expect(report.counter).toBe(report.documents)

    const all = (await payload.find({ collection: 'items', depth: 0, limit: 0, pagination: false }))
      .docs as unknown as Item[]
    expect(all).toHaveLength(report.documents)
    expect((await payload.count({ collection: 'items' })).totalDocs).toBe(all.length)
    const byID = new Map(all.map((doc) => [String(doc.id), doc]))
    const withRef = (ref: string) => all.filter((doc) => doc.ref === ref)

    // Creates: acknowledged ones present exactly once (unless deleted since), others at most once,
    // those of killed transactions not at all.
    for (const [ref, { fate, id }] of creates) {
      const found = withRef(ref)
      const deleted = id !== undefined ? deletes.get(id) : undefined
      if (fate === 'none' || deleted === 'applied') {
        expect({ ref, found: found.length }).toEqual({ ref, found: 0 })
      } else if (fate === 'applied' && deleted === undefined) {
        expect({ ref, found: found.map((doc) => doc.id) }).toEqual({ ref, found: [id] })
      } else {
        expect(found.length).toBeLessThanOrEqual(1)
      }
      for (const doc of found) {
        expect([doc.hits, doc.log ?? []]).toEqual([0, []])
      }
    }
    for (const [id, fate] of deletes) {
      if (fate === 'applied') {
        expect(byID.has(String(id))).toBe(false)
      }
    }

    // Shared documents: never deleted, and each holds the ref and group of one single update.
    for (const id of [...counters, ...edited]) {
      const doc = byID.get(String(id))
      expect(doc).toBeDefined()
      const update = updates.get(doc?.ref ?? '')
      expect({ id, ref: doc?.ref, update: update && update.target === id && update.fate }).toEqual({
        id,
        ref: doc?.ref,
        update: expect.stringMatching(/^(applied|maybe)$/),
      })
      expect(doc?.group).toBe(update?.group)
    }

    // $inc: every acknowledged one counted exactly once, none counted twice, none of a killed
    // transaction. Each $inc also pushed a row naming it, so a double shows as a repeated row.
    let hits = 0
    for (const id of counters) {
      const doc = byID.get(String(id)) as Item
      const marks = (doc.log ?? []).map((row) => row.token ?? '')
      const repeated = marks.filter((token, index) => marks.indexOf(token) !== index)
      expect({ id, repeated: repeated.map((token) => [token, incs.get(token)?.fate]) }).toEqual({
        id,
        repeated: [],
      })
      expect({ id, hits: doc.hits }).toEqual({ id, hits: marks.length })
      hits += doc.hits ?? 0
      for (const token of marks) {
        const inc = incs.get(token)
        expect({ token, target: inc?.target, fate: inc?.fate }).toEqual({
          token,
          target: id,
          fate: expect.stringMatching(/^(applied|maybe)$/),
        })
      }
    }
    const stored = new Set(
      counters.flatMap((id) => (byID.get(String(id))?.log ?? []).map((row) => row.token)),
    )
    const acknowledged = [...incs].filter(([, inc]) => inc.fate === 'applied')
    const maybe = [...incs].filter(([, inc]) => inc.fate === 'maybe')
    expect(acknowledged.filter(([token]) => !stored.has(token))).toEqual([])
    expect(hits).toBeGreaterThanOrEqual(acknowledged.length)
    expect(hits).toBeLessThanOrEqual(acknowledged.length + maybe.length)
    if (maybe.length === 0) {
      expect(hits).toBe(acknowledged.length)
    }

    // Queries on the unique and the indexed field return exactly the stored documents.
    const ids = (docs: { id: number | string }[]) => docs.map((doc) => String(doc.id)).sort()
    const refs = [...new Set([...creates.keys(), ...updates.keys()])]
    for (let start = 0; start < refs.length; start += 25) {
      await Promise.all(
        refs.slice(start, start + 25).map(async (ref) => {
          const found = await payload.find({
            collection: 'items',
            depth: 0,
            limit: 0,
            pagination: false,
            where: { ref: { equals: ref } },
          })
          expect({ ref, ids: ids(found.docs) }).toEqual({ ref, ids: ids(withRef(ref)) })
        }),
      )
    }
    for (const group of GROUPS) {
      const found = await payload.find({
        collection: 'items',
        depth: 0,
        limit: 0,
        pagination: false,
        where: { group: { equals: group } },
      })
      expect({ group, ids: ids(found.docs) }).toEqual({
        group,
        ids: ids(all.filter((doc) => doc.group === group)),
      })
      const { totalDocs } = await payload.count({
        collection: 'items',
        where: { group: { equals: group } },
      })
      expect(totalDocs).toBe(found.docs.length)
    }

    const fates = (map: Map<unknown, { fate: Fate } | Fate>) =>
      [...map.values()].reduce<Record<string, number>>((sum, value) => {
        const fate = typeof value === 'string' ? value : value.fate
        sum[fate] = (sum[fate] ?? 0) + 1
        return sum
      }, {})
    console.log(
      JSON.stringify({
        creates: fates(creates),
        deletes: fates(deletes),
        documents: report.documents,
        faults: {
          delay: counts.delay,
          drop: counts.drop,
          lostResponse: counts.lostResponse,
          requests: counts.requests,
          throttle: counts.throttle,
          transactionConflict: counts.transactionConflict,
        },
        hits,
        incs: fates(incs),
        rejections,
        updates: fates(updates),
        workloadMs,
      }),
    )
  })
})
