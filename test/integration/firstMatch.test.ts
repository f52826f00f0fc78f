/**
 * The adapter calls that act on one match of a `where` (`deleteOne`, `updateOne`) take the first
 * document in insertion order, as db-sqlite (rowid) does, also among documents stored in one
 * millisecond and in a collection without timestamps; and `deleteOne` / `deleteMany` judge a
 * localized `where` in the request's locale, as the official adapters do.
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { bootBoth, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'plain',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'n', type: 'number' },
        ],
        timestamps: false,
      },
      {
        slug: 'stamped',
        fields: [
          { name: 'title', type: 'text', index: true },
          { name: 'n', type: 'number' },
        ],
      },
      {
        slug: 'loc',
        fields: [
          { name: 'title', type: 'text', localized: true },
          { name: 'n', type: 'number' },
        ],
      },
    ],
    db,
    localization: { defaultLocale: 'en', locales: ['en', 'fr'] },
    secret: 'first-match-test',
    telemetry: false,
  }
}

const remaining = async (payload: Payload, collection: 'loc' | 'plain' | 'stamped') =>
  (await payload.find({ collection, limit: 0, sort: 'n' })).docs.map((doc) => doc.n)

describe('the first match of a where, as db-sqlite takes it', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config)
  })

  afterAll(() => closeAll(dynamo, sqlite))

  it('deleteOne and updateOne in a collection without timestamps: the oldest', async () => {
    const outcomes = await Promise.all(
      [dynamo, sqlite].map(async ({ payload }) => {
        for (const n of [1, 2, 3]) {
          await payload.db.create({ collection: 'plain', data: { n, title: 'same' } })
        }
        const updated = await payload.db.updateOne({
          collection: 'plain',
          data: { title: 'same', n: 10 },
          where: { title: { equals: 'same' } },
        })
        await payload.db.deleteOne({ collection: 'plain', where: { title: { equals: 'same' } } })
        return { left: await remaining(payload, 'plain'), updated: updated.n }
      }),
    )
    expect(outcomes[1]).toEqual({ left: [2, 3], updated: 10 })
    expect(outcomes[0]).toEqual(outcomes[1])
  })

  it('deleteOne and updateOne among documents created in one millisecond: the oldest', async () => {
    const createdAt = '2026-01-01T00:00:00.000Z'
    const outcomes = await Promise.all(
      [dynamo, sqlite].map(async ({ payload }) => {
        for (const n of [1, 2, 3, 4]) {
          await payload.db.create({
            collection: 'stamped',
            data: { createdAt, n, title: 'tied', updatedAt: createdAt },
          })
        }
        const where = { title: { equals: 'tied' } }
        const updated = await payload.db.updateOne({
          collection: 'stamped',
          data: { n: 10 },
          where: { and: [where, { n: { less_than: 5 } }] },
        })
        await payload.db.deleteOne({ collection: 'stamped', where })
        return { left: await remaining(payload, 'stamped'), updated: updated.n }
      }),
    )
    expect(outcomes[1]).toEqual({ left: [2, 3, 4], updated: 10 })
    expect(outcomes[0]).toEqual(outcomes[1])
  })

  it.each(['deleteOne', 'deleteMany'] as const)(
    '%s judges a localized where in the request locale',
    async (method) => {
      const outcomes = await Promise.all(
        [dynamo, sqlite].map(async ({ payload }) => {
          const first = await payload.create({
            collection: 'loc',
            data: { n: 1, title: 'Hello' },
            locale: 'en',
          })
          await payload.update({
            collection: 'loc',
            data: { title: 'Bonjour' },
            id: first.id,
            locale: 'fr',
          })
          await payload.create({
            collection: 'loc',
            data: { n: 2, title: 'Bonjour' },
            locale: 'en',
          })
          const req = { locale: 'fr', payload } as PayloadRequest
          await payload.db[method]({
            collection: 'loc',
            req,
            where: { title: { equals: 'Bonjour' } },
          })
          const left = await remaining(payload, 'loc')
          await payload.db.deleteMany({ collection: 'loc', where: {} })
          return left
        }),
      )
      expect(outcomes[1]).toEqual([2])
      expect(outcomes[0]).toEqual(outcomes[1])
    },
  )
})
