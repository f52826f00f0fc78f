/**
 * Upserts racing on one `where`, as Payload makes them: `payload.kv.set` (a unique `key`) and a
 * user's preference (`key` + `user`, no unique field). On db-sqlite both creates of a race go
 * through: the preference is stored twice and a `kv.set` fails on the unique key. Here the
 * created document's id is derived from the `where`, so the later upsert updates the first one's
 * document. Sequential use answers as db-sqlite does.
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest, Where } from 'payload'

import { commitTransaction, initTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { bootBoth, bootOnTable, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [{ slug: 'users', auth: true, fields: [] }],
    db,
    secret: 'upsert-race-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

const preferenceWhere = (key: string, userID: number | string): Where => ({
  and: [
    { key: { equals: key } },
    { 'user.value': { equals: userID } },
    { 'user.relationTo': { equals: 'users' } },
  ],
})

function savePreference(
  payload: Payload,
  key: string,
  userID: number | string,
  value: unknown,
  req: Partial<PayloadRequest> = {},
) {
  // What Payload's preferences update operation sends.
  return payload.db.upsert({
    collection: 'payload-preferences',
    data: { key, user: { relationTo: 'users', value: userID }, value },
    req,
    where: preferenceWhere(key, userID),
  })
}

async function expectClean(payload: Payload, collection: string) {
  const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({ collection })
  expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  expect(report.counter).toBe(report.documents)
}

const rejected = (results: PromiseSettledResult<unknown>[]) =>
  results.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : []))

describe('upserts racing on one where', () => {
  let dynamo: Booted
  let sqlite: Booted
  let other: Payload | undefined
  let userID: number | string

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config)
    other = await bootOnTable(config, (dynamo.payload.db as unknown as DynamoDBAdapter).tableName)
    const user = await dynamo.payload.create({
      collection: 'users',
      data: { email: 'racer@example.com', password: 'racer-password' },
    })
    userID = user.id
  })

  afterAll(async () => {
    await other?.destroy()
    await closeAll(dynamo, sqlite)
  })

  it('kv.set of one new key from two processes at once: every set lands, one document', async () => {
    const sets = Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? dynamo.payload : (other as Payload)).kv.set('race-key', { i }),
    )
    expect(rejected(await Promise.allSettled(sets))).toEqual([])
    const stored = await dynamo.payload.db.find({
      collection: 'payload-kv',
      limit: 0,
      pagination: false,
      where: { key: { equals: 'race-key' } },
    })
    expect(stored.docs).toHaveLength(1)
    const value = (await dynamo.payload.kv.get('race-key')) as { i: number }
    expect(value.i).toBeGreaterThanOrEqual(0)
    expect(value.i).toBeLessThan(12)
    expect(await (other as Payload).kv.get('race-key')).toEqual(value)
    await expectClean(dynamo.payload, 'payload-kv')
  })

  it("one user's preference saved by racing requests is stored once, with one of the values", async () => {
    const saves = Array.from({ length: 12 }, (_, i) =>
      savePreference(i % 2 === 0 ? dynamo.payload : (other as Payload), 'nav', userID, { i }),
    )
    expect(rejected(await Promise.allSettled(saves))).toEqual([])
    const stored = await dynamo.payload.db.find({
      collection: 'payload-preferences',
      limit: 0,
      pagination: false,
      where: preferenceWhere('nav', userID),
    })
    expect(stored.docs).toHaveLength(1)
    expect((stored.docs[0] as unknown as { value: { i: number } }).value.i).toBeLessThan(12)
    await expectClean(dynamo.payload, 'payload-preferences')
  })

  it('racing upserts each in its own Payload transaction all commit, to one document', async () => {
    const saves = Array.from({ length: 8 }, async (_, i) => {
      const payload = i % 2 === 0 ? dynamo.payload : (other as Payload)
      const req = { payload } as PayloadRequest
      await initTransaction(req)
      await savePreference(payload, 'columns', userID, { i }, req)
      await commitTransaction(req)
    })
    expect(rejected(await Promise.allSettled(saves))).toEqual([])
    const { totalDocs } = await dynamo.payload.db.count({
      collection: 'payload-preferences',
      where: preferenceWhere('columns', userID),
    })
    expect(totalDocs).toBe(1)
    await expectClean(dynamo.payload, 'payload-preferences')
  })

  it('a document moved off the where it was created by leaves the next upsert a new id', async () => {
    await dynamo.payload.kv.set('moving', { n: 1 })
    const [first] = (
      await dynamo.payload.db.find({
        collection: 'payload-kv',
        where: { key: { equals: 'moving' } },
      })
    ).docs
    await dynamo.payload.db.updateOne({
      collection: 'payload-kv',
      data: { key: 'moved' },
      where: { key: { equals: 'moving' } },
    })
    // Racing, so that at least one step runs again and finds the derived id held.
    const sets = Array.from({ length: 8 }, (_, i) =>
      (i % 2 === 0 ? dynamo.payload : (other as Payload)).kv.set('moving', { n: i + 2 }),
    )
    expect(rejected(await Promise.allSettled(sets))).toEqual([])
    const moving = await dynamo.payload.db.find({
      collection: 'payload-kv',
      where: { key: { equals: 'moving' } },
    })
    expect(moving.docs).toHaveLength(1)
    expect(moving.docs[0].id).not.toBe(first.id)
    expect(await dynamo.payload.kv.get('moved')).toEqual({ n: 1 })
    await expectClean(dynamo.payload, 'payload-kv')
  })

  it('updateOne by a missing id with upsert creates the document with that id, once', async () => {
    const upserts = Array.from({ length: 6 }, (_, i) =>
      (i % 2 === 0 ? dynamo.payload : (other as Payload)).db.updateOne({
        id: 'chosen-id',
        collection: 'payload-kv',
        data: { data: { i }, key: 'by-id' },
        options: { upsert: true },
      }),
    )
    expect(rejected(await Promise.allSettled(upserts))).toEqual([])
    const stored = await dynamo.payload.db.find({
      collection: 'payload-kv',
      where: { key: { equals: 'by-id' } },
    })
    expect(stored.docs.map((doc) => doc.id)).toEqual(['chosen-id'])
    await expectClean(dynamo.payload, 'payload-kv')
  })

  it('used one call at a time, the key-value store answers as on db-sqlite', async () => {
    const play = async (payload: Payload) => {
      const seen: unknown[] = []
      await payload.kv.set('a', { v: 1 })
      await payload.kv.set('b', [1, 2])
      await payload.kv.set('a', { v: 2 })
      seen.push(await payload.kv.get('a'), await payload.kv.get('b'), await payload.kv.has('c'))
      await payload.kv.delete('a')
      seen.push(await payload.kv.get('a'), await payload.kv.has('a'))
      await payload.kv.set('a', 'again')
      seen.push(await payload.kv.get('a'))
      seen.push((await payload.kv.keys()).filter((key) => ['a', 'b', 'c'].includes(key)).sort())
      return seen
    }
    expect(await play(dynamo.payload)).toEqual(await play(sqlite.payload))
  })
})
