/**
 * A transaction's `deleteMany` and `updateMany` (and an `updateOne` by `where`) act on the
 * documents that matched when they ran, as SQL statements do: when the commit meets a document
 * changed meanwhile and computes the transaction's writes again, documents another request
 * created after those statements are not reached (a replay selected again, and deleted or
 * updated another request's acknowledged creates). Documents the statements reached and that
 * still match are written again over their newer versions.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { boot, type Booted, closeAll } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'items',
      fields: [
        { name: 'label', type: 'text' },
        { name: 'g', type: 'text', index: true },
        { name: 'flag', type: 'text' },
        { name: 'n', type: 'number' },
      ],
    },
  ],
  db,
  secret: 'replay-phantoms',
  telemetry: false,
})

describe("a transaction's statements computed again at commit", () => {
  let booted: Booted | undefined
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb')
    payload = booted.payload
  })

  afterAll(async () => {
    await closeAll(booted)
  })

  it('reach only the documents that matched when they ran', async () => {
    const create = (label: string, g: string) =>
      payload.create({ collection: 'items', data: { g, label, n: 0 } })
    const x = await create('X', 'other')
    await create('A', 'old')
    await create('B', 'old')
    const u1 = await create('U1', 'upd')
    await create('W1', 'one')

    const transactionID = (await payload.db.beginTransaction()) as string
    const req = { transactionID }
    await payload.db.deleteMany({ collection: 'items', req, where: { g: { equals: 'old' } } })
    await payload.db.updateMany({
      collection: 'items',
      data: { flag: 'set' },
      req,
      where: { g: { equals: 'upd' } },
    })
    await payload.db.updateOne({
      collection: 'items',
      data: { flag: 'one' },
      req,
      where: { g: { equals: 'one' } },
    })
    await payload.db.updateOne({ id: x.id, collection: 'items', data: { n: 1 }, req })

    // Another request, committed before the transaction: new matches, and a change of U1 and X.
    await create('C', 'old')
    await create('U2', 'upd')
    await payload.update({ id: u1.id, collection: 'items', data: { n: 5 } })
    await payload.update({ id: x.id, collection: 'items', data: { n: 2 } })
    await payload.db.commitTransaction(transactionID)

    const { docs } = await payload.find({
      collection: 'items',
      pagination: false,
      sort: 'label',
    })
    expect(docs.map((doc) => `${doc.label}/${doc.flag ?? '-'}/${doc.n}`)).toEqual([
      'C/-/0',
      'U1/set/5',
      'U2/-/0',
      'W1/one/0',
      'X/-/1',
    ])
    expect(
      (await payload.count({ collection: 'items', where: { g: { equals: 'old' } } })).totalDocs,
    ).toBe(1)
  })

  it('reach the documents they found first under a limit, though another now sorts before them', async () => {
    const create = (label: string, g: string, createdAt?: string) =>
      payload.db.create({
        collection: 'items',
        data: { g, label, n: 0, ...(createdAt ? { createdAt } : {}) },
      })
    // Z is older than A: once it matches `g = 'first'` it is the one a limit of 1 picks.
    const z = await create('Z', 'zzz')
    await create('A', 'first')
    await create('D', 'gone')
    const y = await create('Y', 'other')

    const transactionID = (await payload.db.beginTransaction()) as string
    const req = { transactionID }
    const updated = await payload.db.updateOne({
      collection: 'items',
      data: { flag: 'set' },
      req,
      where: { g: { equals: 'first' } },
    })
    const deleted = await payload.db.deleteOne({
      collection: 'items',
      req,
      where: { g: { equals: 'gone' } },
    })
    expect([updated?.label, deleted?.label]).toEqual(['A', 'D'])
    await payload.db.updateOne({ id: y.id, collection: 'items', data: { n: 1 }, req })

    // Another request: Z now matches the update's where, an older Z2 the delete's, Y changes.
    await payload.update({ id: z.id, collection: 'items', data: { g: 'first' } })
    await create('Z2', 'gone', '2000-01-01T00:00:00.000Z')
    await payload.update({ id: y.id, collection: 'items', data: { n: 2 } })
    await payload.db.commitTransaction(transactionID)

    const { docs } = await payload.find({
      collection: 'items',
      pagination: false,
      sort: 'label',
      where: { label: { in: ['A', 'D', 'Y', 'Z', 'Z2'] } },
    })
    expect(docs.map((doc) => `${doc.label}/${doc.flag ?? '-'}/${doc.n}`)).toEqual([
      'A/set/0',
      'Y/-/1',
      'Z/-/0',
      'Z2/-/0',
    ])
  })

  it('reach a document an upsert of the same transaction created under a derived id held by another', async () => {
    // The ids an upsert derives from its `where` are held by documents that no longer match it.
    for (const label of ['K', 'L']) {
      const held = await payload.db.upsert({
        collection: 'items',
        data: { g: 'kv', label },
        where: { label: { equals: label } },
      })
      await payload.db.updateOne({
        id: held.id,
        collection: 'items',
        data: { label: `${label}-old` },
      })
    }
    const transactionID = (await payload.db.beginTransaction()) as string
    const req = { transactionID }
    const created = await payload.db.upsert({
      collection: 'items',
      data: { g: 'kv', label: 'K' },
      req,
      where: { label: { equals: 'K' } },
    })
    await payload.db.deleteMany({ collection: 'items', req, where: { label: { equals: 'K' } } })
    const flagged = await payload.db.upsert({
      collection: 'items',
      data: { g: 'kv', label: 'L' },
      req,
      where: { label: { equals: 'L' } },
    })
    await payload.db.updateMany({
      collection: 'items',
      data: { flag: 'touched' },
      req,
      where: { label: { equals: 'L' } },
    })
    await payload.db.commitTransaction(transactionID)

    const { docs } = await payload.find({
      collection: 'items',
      pagination: false,
      sort: 'label',
      where: { g: { equals: 'kv' } },
    })
    expect(docs.map((doc) => `${doc.label}/${doc.flag ?? '-'}`)).toEqual([
      'K-old/-',
      'L/touched',
      'L-old/-',
    ])
    // The upsert's answer named the document the commit stored.
    expect(docs.find((doc) => doc.label === 'L')?.id).toBe(flagged.id)
    expect(docs.some((doc) => doc.id === created.id)).toBe(false)
  })
})
