/**
 * A process of the older config writes right after a process of the newer one built a unique
 * index over an array field: its write fails on the moved index record, is grouped again with the
 * new index's markers, and is sent again. A document repeating a value in two of its rows must be
 * refused there too (as every later write of either config refuses it, and db-sqlite does):
 * before, the checks ran only before the first attempt, so the repetition was stored.
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { commitTransaction, initTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { freshIndexState } from '../../src/indexes/buildState.js'
import { collectionNamespace } from '../../src/namespaces.js'

import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'

useIndexStateMaxAge(300)

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

const config =
  (unique: boolean) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'rows', type: 'array', fields: [{ name: 'sku', type: 'text', unique }] },
        ],
      },
      {
        // A document of 110 indexed rows: more items than one transaction, a journaled write.
        slug: 'lists',
        fields: [
          { name: 'title', type: 'text' },
          {
            name: 'rows',
            type: 'array',
            fields: [
              { name: 'sku', type: 'text', index: true },
              { name: 'code', type: 'text', unique },
            ],
          },
        ],
      },
    ],
    db,
    secret: 'rolling-unique-checks',
    telemetry: false,
  })

const outcome = (write: Promise<unknown>) =>
  write.then(
    () => 'stored',
    (error: Error) => error.name,
  )

describe('a process of the older config writing just after a unique index was built', () => {
  const started: Payload[] = []
  afterAll(async () => {
    await Promise.all(started.map((payload) => payload.destroy()))
  })

  it('refuses a value repeated within one document, on its first write after the build', async () => {
    const table = `rolling-unique-${randomUUID()}`
    const older = await bootOnTable(config(false), table, { buildIndexes: false, readCache: false })
    started.push(older)
    await older.create({ collection: 'posts', data: { rows: [{ sku: 's0' }], title: 'seed' } })
    const newer = await bootOnTable(config(true), table, { buildIndexes: false, readCache: false })
    started.push(newer)
    await adapterOf(newer).syncIndexes()

    // The older process has not read the record since the build: its first write finds it moved.
    expect(
      await outcome(
        older.create({
          collection: 'posts',
          data: { rows: [{ sku: 'a' }, { sku: 'a' }], title: 'repeated rows' },
        }),
      ),
    ).toBe('ValidationError')
    expect(
      await outcome(
        older.create({ collection: 'posts', data: { rows: [{ sku: 's0' }], title: 'taken' } }),
      ),
    ).toBe('ValidationError')
    expect(
      await outcome(
        newer.create({
          collection: 'posts',
          data: { rows: [{ sku: 'c' }, { sku: 'c' }], title: 'newer repeated' },
        }),
      ),
    ).toBe('ValidationError')
    const { docs } = await newer.find({ collection: 'posts', depth: 0 })
    expect(docs.map((doc) => doc.title)).toEqual(['seed'])
    await older.create({
      collection: 'posts',
      data: { rows: [{ sku: 'a' }, { sku: 'b' }], title: 'ok' },
    })
    expect(
      (await newer.count({ collection: 'posts', where: { 'rows.sku': { equals: 'a' } } }))
        .totalDocs,
    ).toBe(1)
    expect((await adapterOf(newer).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
  })
  it('refuses it in a journaled write too (more than 100 items)', async () => {
    const table = `rolling-unique-journaled-${randomUUID()}`
    const older = await bootOnTable(config(false), table, { buildIndexes: false, readCache: false })
    started.push(older)
    await older.create({ collection: 'lists', data: { rows: [{ sku: 's0' }], title: 'seed' } })
    const newer = await bootOnTable(config(true), table, { buildIndexes: false, readCache: false })
    started.push(newer)
    await adapterOf(newer).syncIndexes()

    const rows = Array.from({ length: 110 }, (_, at) => ({
      sku: `k${at}`,
      ...(at < 2 ? { code: 'dup' } : {}),
    }))
    expect(
      await outcome(older.create({ collection: 'lists', data: { rows, title: 'repeated' } })),
    ).toBe('ValidationError')
    const { docs } = await newer.find({ collection: 'lists', depth: 0 })
    expect(docs.map((doc) => doc.title)).toEqual(['seed'])
    rows[1] = { sku: 'k1' }
    await older.create({ collection: 'lists', data: { rows, title: 'once' } })
    expect(
      (await newer.count({ collection: 'lists', where: { 'rows.code': { equals: 'dup' } } }))
        .totalDocs,
    ).toBe(1)
    expect((await adapterOf(newer).verifyIndexes({ collection: 'lists' })).clean).toBe(true)
  })
  it('judges each group of a journaled transaction over the indexes known when it is packed', async () => {
    const table = `rolling-unique-groups-${randomUUID()}`
    const older = await bootOnTable(config(false), table, { buildIndexes: false, readCache: false })
    started.push(older)
    await older.create({ collection: 'lists', data: { rows: [{ sku: 's0' }], title: 'seed' } })
    const newer = await bootOnTable(config(true), table, { buildIndexes: false, readCache: false })
    started.push(newer)
    const db = adapterOf(older)
    // Once the transaction's first group is stored, the newer process builds the unique index,
    // and the older one learns of it (as any of its queries does past the state's max age):
    // the later groups are packed with it, without a failed request.
    let built = false
    const send = db.docClient.send.bind(db.docClient)
    db.docClient.send = (async (command: { input?: unknown }, ...rest: []) => {
      const answer = await send(command as never, ...rest)
      const items = (command.input as { TransactItems?: unknown[] }).TransactItems ?? []
      if (!built && items.length > 20) {
        built = true
        await adapterOf(newer).syncIndexes()
        await freshIndexState(db, collectionNamespace(db, 'lists'), { force: true })
      }
      return answer
    }) as typeof db.docClient.send
    const req = { payload: older } as PayloadRequest
    let outcome = 'stored'
    try {
      await initTransaction(req)
      for (let n = 0; n < 45; n++) {
        await older.create({
          collection: 'lists',
          data: { rows: [{ code: `c${n}` }], title: `t${n}` },
          req,
        })
      }
      await older.create({
        collection: 'lists',
        data: { rows: [{ code: 'dup' }, { code: 'dup' }], title: 'repeated' },
        req,
      })
      await commitTransaction(req)
    } catch (error) {
      outcome = (error as Error).name
    } finally {
      db.docClient.send = send
    }
    expect(built).toBe(true)
    // Before: stored. Now refused, and the groups already applied undone.
    expect(outcome).toBe('ValidationError')
    const { docs } = await newer.find({ collection: 'lists', depth: 0, limit: 0 })
    expect(docs.map((doc) => doc.title)).toEqual(['seed'])
    expect((await adapterOf(newer).verifyIndexes({ collection: 'lists' })).clean).toBe(true)
  })
})
