/**
 * An update that points a relationship at a document that does not exist is refused, as the SQL
 * adapters' foreign keys refuse it, whatever else the updated document holds. References the
 * document already held are not checked again (their document may have been deleted since), but
 * "already held" means the same collection and id: before, any string or number anywhere in the
 * stored document counted (its own id, a number field, another collection's reference), so
 * `update(nums 5, { other: 5 })` stored a reference to a missing `others` 5.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { ValidationError } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { bootBoth, closeAll } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'others',
      fields: [
        { name: 'id', type: 'number' },
        { name: 'title', type: 'text' },
      ],
    },
    {
      slug: 'nums',
      fields: [
        { name: 'id', type: 'number' },
        { name: 'rank', type: 'number' },
        { name: 'other', type: 'relationship', relationTo: 'others' },
        { name: 'poly', type: 'relationship', relationTo: ['others', 'nums'] },
        { name: 'many', type: 'relationship', hasMany: true, relationTo: 'others' },
      ],
    },
  ],
  db,
  secret: 'references-on-update',
  telemetry: false,
  typescript: { autoGenerate: false },
})

type Outcome = 'refused' | 'stored'

async function story(payload: Payload, refusal: (error: unknown) => boolean) {
  await payload.create({ collection: 'others', data: { id: 1, title: 'one' } as never })
  await payload.create({ collection: 'nums', data: { id: 5, other: 1, rank: 7 } as never })
  await payload.create({
    collection: 'nums',
    data: { id: 6, poly: { relationTo: 'nums', value: 5 } } as never,
  })
  const attempt = async (id: number, data: Record<string, unknown>): Promise<Outcome> => {
    try {
      await payload.update({ collection: 'nums', data, depth: 0, id })
      return 'stored'
    } catch (error) {
      expect(refusal(error)).toBe(true)
      return 'refused'
    }
  }
  const outcomes = {
    // The document's own id, its number field, another relationship's id: none is `others` 5/7.
    ownID: await attempt(5, { other: 5 }),
    numberField: await attempt(5, { other: 7 }),
    polymorphic: await attempt(6, { poly: { relationTo: 'others', value: 5 } }),
    hasMany: await attempt(5, { many: [1, 7] }),
    // What the document already holds stays allowed.
    kept: await attempt(5, { other: 1, rank: 8 }),
    keptPolymorphic: await attempt(6, { poly: { relationTo: 'nums', value: 5 } }),
  }
  const stored = await payload.find({ collection: 'nums', depth: 0, sort: 'id' })
  return {
    outcomes,
    stored: stored.docs.map((doc) => [
      doc.id,
      doc.other ?? null,
      doc.poly ?? null,
      doc.rank ?? null,
    ]),
  }
}

describe('an update pointing a relationship at a missing document', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, { readCache: false })
  }, 120_000)

  afterAll(async () => {
    await closeAll(dynamo, sqlite)
  })

  it('is refused as db-sqlite refuses it, and nothing of it is stored', async () => {
    // db-sqlite's foreign key fails the query; this adapter names the field (ValidationError).
    const expected = await story(sqlite.payload, (error) => error instanceof Error)
    expect(expected.outcomes).toEqual({
      hasMany: 'refused',
      kept: 'stored',
      keptPolymorphic: 'stored',
      numberField: 'refused',
      ownID: 'refused',
      polymorphic: 'refused',
    })
    expect(await story(dynamo.payload, (error) => error instanceof ValidationError)).toEqual(
      expected,
    )
  })
})
