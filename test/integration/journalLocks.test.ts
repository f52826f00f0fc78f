/**
 * Writes of more than 100 items lock their documents (src/write/documentLocks.ts). Here two
 * processes run two such writes over the same 150 documents at once, while both send `$inc`s to
 * random documents, through a proxy that drops connections, loses answers after DynamoDB applied
 * a request and throttles. Whatever the interleaving: every increment is counted, one bulk write
 * wins whole (the other either came first or was computed again over it), no lock or journal is
 * left, both processes answer the same, and `verifyIndexes` is clean.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { FaultProxy } from '../support/faultProxy.js'

import { bootOnTable } from '../support/bootPayload.js'
import { startFaultProxy } from '../support/faultProxy.js'
import { scanCount } from '../support/tableScan.js'
import { seeded } from '../support/workload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'group', type: 'text', index: true },
          { name: 'batch', type: 'text', index: true },
          { name: 'n', type: 'number', index: true },
        ],
      },
    ],
    db,
    secret: 'journal-locks-secret',
    telemetry: false,
  }
}

const DOCUMENTS = 150
const INCREMENTS = 60

/** Counts and pages through the index on `n` agree with the documents' own values. */
async function expectIndexedCounts(payload: Payload, docs: { id: unknown; n?: unknown }[]) {
  const touched = docs.filter((doc) => Number(doc.n) > 0)
  const where: Where = { and: [{ group: { exists: true } }, { n: { greater_than: 0 } }] }
  expect(
    (await payload.count({ collection: 'items', where: { n: { greater_than: 0 } } })).totalDocs,
  ).toBe(touched.length)
  const most = Math.max(...docs.map((doc) => Number(doc.n)))
  expect(
    (await payload.count({ collection: 'items', where: { n: { equals: most } } })).totalDocs,
  ).toBe(docs.filter((doc) => Number(doc.n) === most).length)
  const page = await payload.find({
    collection: 'items',
    depth: 0,
    pagination: false,
    sort: '-n',
    where,
  })
  expect(page.docs.map((doc) => doc.id).sort()).toEqual(touched.map((doc) => doc.id).sort())
}

describe('writes of more than 100 items under concurrent writers and faults', () => {
  let proxy: FaultProxy
  let a: Payload
  let b: Payload

  beforeAll(async () => {
    proxy = await startFaultProxy({ seed: 17 })
    const table = `locks-${randomUUID()}`
    a = await bootOnTable(config, table, { clientConfig: proxy.clientConfig() })
    b = await bootOnTable(config, table, { clientConfig: proxy.clientConfig() })
  })

  afterAll(async () => {
    await a?.destroy()
    await b?.destroy()
    await proxy?.close()
  })

  it('two bulk updates of the same 150 documents in two processes, with $inc writers in both: one bulk value everywhere, every increment counted', async () => {
    const ids: (number | string)[] = []
    for (let n = 0; n < DOCUMENTS; n++) {
      ids.push(
        (await a.create({ collection: 'items', data: { batch: 'start', group: 'g', n: 0 } })).id,
      )
    }
    proxy.configure({ rates: { drop: 0.02, lostResponse: 0.02, throttle: 0.02 } })
    const random = seeded(23)
    const bulk = (payload: Payload, batch: string) =>
      payload.db.updateMany({
        collection: 'items',
        data: { batch },
        where: { group: { equals: 'g' } },
      })
    const increments = Array.from({ length: INCREMENTS }, async (_, index) => {
      const payload = index % 2 === 0 ? a : b
      const id = ids[Math.floor(random() * ids.length)]!
      // Spread over the bulk writes' lock steps and groups.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 1500)))
      await payload.db.updateOne({
        collection: 'items',
        data: { n: { $inc: 1 } },
        id,
        returning: false,
      })
    })
    await Promise.all([bulk(a, 'from-a'), bulk(b, 'from-b'), ...increments])
    proxy.configure({})
    expect(proxy.counts().drop + proxy.counts().lostResponse).toBeGreaterThan(0)

    for (const payload of [a, b]) {
      const { docs } = await payload.find({
        collection: 'items',
        depth: 0,
        pagination: false,
        where: { group: { equals: 'g' } },
      })
      expect(docs).toHaveLength(DOCUMENTS)
      // Before the locks, a later group stored its image over increments sent meanwhile.
      expect(docs.reduce((sum, doc) => sum + Number(doc.n), 0)).toBe(INCREMENTS)
      // The index on the field the writers moved answers as the documents do.
      await expectIndexedCounts(payload, docs)
      const batches = new Set(docs.map((doc) => doc.batch))
      expect(batches.size).toBe(1)
      const [winner] = [...batches]
      expect(['from-a', 'from-b']).toContain(winner)
      expect(
        (await payload.count({ collection: 'items', where: { batch: { equals: winner } } }))
          .totalDocs,
      ).toBe(DOCUMENTS)
      expect(
        (await payload.count({ collection: 'items', where: { batch: { equals: 'start' } } }))
          .totalDocs,
      ).toBe(0)
    }
    const adapter = a.db as unknown as DynamoDBAdapter
    expect(await scanCount(adapter, 'attribute_exists(lk)')).toBe(0)
    expect(await scanCount(adapter, 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(0)
    const report = await adapter.verifyIndexes({ collection: 'items' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
    expect(report.counter).toBe(report.documents)
  })
})

describe('a write of more than 100 items among steady writers', () => {
  let a: Payload
  let b: Payload

  beforeAll(async () => {
    const table = `steady-${randomUUID()}`
    a = await bootOnTable(config, table)
    b = await bootOnTable(config, table)
  })

  afterAll(async () => {
    await a?.destroy()
    await b?.destroy()
  })

  it('goes through while another process keeps changing its documents, every change kept', async () => {
    const ids: (number | string)[] = []
    for (let n = 0; n < DOCUMENTS; n++) {
      ids.push(
        (await a.create({ collection: 'items', data: { batch: 'start', group: 's', n: 0 } })).id,
      )
    }
    const adapter = a.db as unknown as DynamoDBAdapter
    const send = adapter.docClient.send.bind(adapter.docClient)
    let journals = 0
    adapter.docClient.send = (async (
      command: { constructor: { name: string }; input?: { Item?: { pk?: unknown } } },
      ...rest: []
    ) => {
      if (command.constructor.name === 'PutCommand' && command.input?.Item?.pk === 'J#journal') {
        journals++
      }
      return send(command as never, ...rest)
    }) as typeof adapter.docClient.send
    // Four writers in the other process keep adding to random documents until the bulk write ends.
    const random = seeded(29)
    let bulkDone = false
    let increments = 0
    const writers = Array.from({ length: 4 }, async () => {
      while (!bulkDone) {
        await b.db.updateOne({
          collection: 'items',
          data: { n: { $inc: 1 } },
          id: ids[Math.floor(random() * ids.length)]!,
          returning: false,
        })
        increments++
      }
    })
    try {
      await a.db.updateMany({
        collection: 'items',
        data: { batch: 'bulk' },
        where: { group: { equals: 's' } },
      })
    } finally {
      bulkDone = true
      await Promise.all(writers)
      adapter.docClient.send = send
    }
    expect(increments).toBeGreaterThan(20)
    const { docs } = await b.find({
      collection: 'items',
      depth: 0,
      pagination: false,
      where: { group: { equals: 's' } },
    })
    expect(docs.every((doc) => doc.batch === 'bulk')).toBe(true)
    expect(docs.reduce((sum, doc) => sum + Number(doc.n), 0)).toBe(increments)
    await expectIndexedCounts(b, docs)
    await expectIndexedCounts(a, docs)
    // Documents that moved on before the lock step are locked where they are and the write is
    // computed again over them: it does not start over while writers keep going.
    expect(journals).toBeLessThanOrEqual(4)
    const report = await adapter.verifyIndexes({ collection: 'items' })
    expect(report).toMatchObject({ clean: true })
    expect(await scanCount(adapter, 'attribute_exists(lk)')).toBe(0)
  })
})
