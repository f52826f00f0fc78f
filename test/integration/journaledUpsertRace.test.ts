/**
 * An upsert staged in a Payload transaction of more than 100 items (the commit journal) while
 * another request upserts the same `where` outside it: both meet on the id derived from the
 * `where`. The transaction's creates that may meet another writer's (an upsert's derived id, a
 * version pointer, a global) go in its first group, whose failure computes the write again over
 * the other document, as a write of fewer items does. Before, such a create in a later group
 * undid the whole transaction with a duplicate-id error.
 */
import type { Config, DatabaseAdapterObj, PayloadRequest } from 'payload'

import { commitTransaction, initTransaction, killTransaction } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'notes',
        fields: [
          { name: 'group', type: 'text', index: true },
          { name: 'body', type: 'text' },
        ],
      },
    ],
    db,
    secret: 'journaled-upsert-race',
    telemetry: false,
  }
}

describe('an upsert in a journaled transaction racing the same upsert outside it', () => {
  let dynamo: Booted

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb')
  })

  afterAll(() => closeAll(dynamo))

  it('commits every staged create and updates the document the other upsert created', async () => {
    const { payload } = dynamo
    const req = { payload } as PayloadRequest
    await initTransaction(req)
    try {
      for (let n = 0; n < 60; n++) {
        await payload.create({ collection: 'notes', data: { group: `bulk-${n}` }, req })
      }
      const where = { group: { equals: 'k' } }
      await payload.db.upsert({
        collection: 'notes',
        data: { body: 'staged', group: 'k' },
        req,
        where,
      })
      // Outside the transaction: stored now, under the same derived id.
      const other = await payload.db.upsert({
        collection: 'notes',
        data: { body: 'outside', group: 'k' },
        where,
      })
      await commitTransaction(req)

      expect((await payload.count({ collection: 'notes' })).totalDocs).toBe(61)
      const { docs } = await payload.find({ collection: 'notes', where })
      expect(docs.map((doc) => [doc.id, doc.body])).toEqual([[other.id, 'staged']])
      expect(
        (await payload.count({ collection: 'notes', where: { group: { like: 'bulk-' } } }))
          .totalDocs,
      ).toBe(60)
    } finally {
      await killTransaction(req)
    }
  }, 120_000)
})
