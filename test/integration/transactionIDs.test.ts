/**
 * Creates under an id that is taken, inside a Payload transaction, are refused at the create with
 * Payload's duplicate-id error, as db-postgres refuses the INSERT: an id created or updated
 * earlier in the same transaction, and an id stored before it. Before, the second create was
 * staged over the first (at commit it replaced the document the first create had returned, or
 * the updated one), and a stored id failed only at the commit.
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import { commitTransaction, initTransaction, killTransaction, ValidationError } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'codes',
        fields: [
          { name: 'id', type: 'text' },
          { name: 'title', type: 'text' },
          { name: 'n', type: 'number' },
        ],
      },
    ],
    db,
    secret: 'transaction-ids',
    telemetry: false,
  }
}

/** `work` in a transaction of its own, rolled back if it throws (Payload's operations do). */
async function inTransaction(
  payload: Payload,
  work: (req: PayloadRequest) => Promise<void>,
): Promise<void> {
  const req = { payload } as PayloadRequest
  await initTransaction(req)
  try {
    await work(req)
    await commitTransaction(req)
  } finally {
    await killTransaction(req)
  }
}

describe('creates under taken ids in a transaction', () => {
  let both: Booted[]

  beforeAll(async () => {
    both = [
      await boot(config, 'dynamodb'),
      await boot(config, 'sqlite', {}, { transactions: true }),
    ]
  })

  afterAll(() => closeAll(...both))

  it.each([0, 1])(
    'are refused at the create, and the transaction stores nothing (adapter %i: dynamodb, db-sqlite)',
    async (which) => {
      const { payload } = both[which]!
      // db-sqlite's own error is Drizzle's (db-postgres turns it into a ValidationError).
      const refused = which === 0 ? ValidationError : Error
      await payload.create({ collection: 'codes', data: { id: 'stored', title: 'kept' } })

      // The same id twice in one transaction.
      await expect(
        inTransaction(payload, async (req) => {
          await payload.create({ collection: 'codes', data: { id: 'twice', title: 'one' }, req })
          await payload.create({ collection: 'codes', data: { id: 'twice', title: 'two' }, req })
        }),
      ).rejects.toBeInstanceOf(refused)
      expect(
        (await payload.count({ collection: 'codes', where: { id: { equals: 'twice' } } }))
          .totalDocs,
      ).toBe(0)

      // Updated, then created again, in one transaction.
      await expect(
        inTransaction(payload, async (req) => {
          await payload.update({
            collection: 'codes',
            data: { title: 'changed' },
            id: 'stored',
            req,
          })
          await payload.create({ collection: 'codes', data: { id: 'stored', title: 'new' }, req })
        }),
      ).rejects.toBeInstanceOf(refused)

      // A stored id: the create itself fails, before any commit.
      let createFailed = false
      await expect(
        inTransaction(payload, async (req) => {
          try {
            await payload.create({ collection: 'codes', data: { id: 'stored', title: 'x' }, req })
          } catch (error) {
            createFailed = true
            throw error
          }
        }),
      ).rejects.toBeInstanceOf(refused)
      expect(createFailed).toBe(true)
      expect(await payload.findByID({ collection: 'codes', id: 'stored' })).toMatchObject({
        title: 'kept',
      })

      // Deleted, then created again, in one transaction: allowed.
      await inTransaction(payload, async (req) => {
        await payload.delete({ collection: 'codes', id: 'stored', req })
        await payload.create({ collection: 'codes', data: { id: 'stored', title: 'again' }, req })
      })
      expect(await payload.findByID({ collection: 'codes', id: 'stored' })).toMatchObject({
        title: 'again',
      })
      expect((await payload.count({ collection: 'codes' })).totalDocs).toBe(1)
    },
    120_000,
  )

  it.each([0, 1])(
    'parallel writes of one document under one transaction add up (adapter %i: dynamodb, db-sqlite)',
    async (which) => {
      const { payload } = both[which]!
      await payload.create({ collection: 'codes', data: { id: 'counted', n: 0 } })
      await inTransaction(payload, async (req) => {
        await Promise.all(
          Array.from({ length: 4 }, () =>
            payload.db.updateOne({
              collection: 'codes',
              data: { n: { $inc: 1 } },
              id: 'counted',
              req,
            }),
          ),
        )
      })
      expect(await payload.findByID({ collection: 'codes', id: 'counted' })).toMatchObject({ n: 4 })
    },
    120_000,
  )
})
