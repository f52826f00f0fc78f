/**
 * An item deleted and created again under the same key must not take a revision its earlier
 * incarnation had: a write computed from the earlier one (a Payload transaction that read it)
 * would pass its revision condition on the new one and store over it, with index entries and
 * counts computed from the wrong document.
 */
import type { Config, DatabaseAdapterObj, PayloadRequest } from 'payload'

import { commitTransaction, initTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'pages',
      fields: [
        { name: 'id', type: 'text' },
        { name: 'title', type: 'text', index: true },
      ],
    },
  ],
  db,
  secret: 'revision-reuse',
  telemetry: false,
})

describe('a document deleted and created again while a transaction holds the old one', () => {
  let dynamo: Booted

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
  })

  afterAll(async () => closeAll(dynamo))

  it('computes the commit again over the new document: exact counts, clean indexes', async () => {
    // db-sqlite cannot play this order (its transaction holds the write lock: SQLITE_BUSY).
    // Here the transaction's writes wait for its commit, which is computed again over the
    // newer document when the one it read changed (`onConflict: 'retry'`, docs/consistency.md).
    const payload = dynamo.payload
    await payload.create({ collection: 'pages', data: { id: 'x', title: 'a' } })
    const req = { payload } as PayloadRequest
    await initTransaction(req)
    await payload.update({ id: 'x', collection: 'pages', data: { title: 'c' }, req })
    await payload.delete({ id: 'x', collection: 'pages' })
    await payload.create({ collection: 'pages', data: { id: 'x', title: 'b' } })
    await commitTransaction(req)
    const count = async (title: string) =>
      (await payload.count({ collection: 'pages', where: { title: { equals: title } } })).totalDocs
    expect((await payload.findByID({ id: 'x', collection: 'pages' })).title).toBe('c')
    expect({ a: await count('a'), b: await count('b'), c: await count('c') }).toEqual({
      a: 0,
      b: 0,
      c: 1,
    })
    const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'pages',
    })
    expect(report.clean).toBe(true)
  })
})
