/**
 * A write giving an indexed field a value its type does not hold ('abc' in a number field through
 * `payload.db.create`, a hook's text after Payload's validation): the index could not key it, and
 * pages and totals read through the index left the document out while the collection held it
 * (`sort: 'n'` gave 4 of 5 documents, `n > 1` counted 1 for 2, and `verifyIndexes` reported an
 * entry missing that `repairIndexes` could not put). Such a write is refused with a
 * `ValidationError` and stores nothing; a value the document already held (saved before the
 * field's type changed) is kept when the document is saved again.
 */
import type { CollectionConfig, Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, bootOnTable, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

const items = (kind: 'number' | 'text'): CollectionConfig => ({
  slug: 'items',
  fields: [
    { name: 'title', type: 'text' },
    kind === 'number'
      ? { name: 'n', type: 'number', index: true }
      : { name: 'n', type: 'text', index: true },
    { name: 'when', type: 'date', index: true },
    { name: 'flag', type: 'checkbox', index: true },
    { name: 'plain', type: 'number' },
    {
      name: 'hooked',
      type: 'number',
      hooks: { beforeChange: [({ value }) => (value === 13 ? 'thirteen' : value)] },
      index: true,
    },
  ],
})

const config =
  (kind: 'number' | 'text' = 'number') =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [items(kind)],
    db,
    logger: { options: { level: 'warn' } },
    secret: 'misfit-writes',
    telemetry: false,
  })

async function refusal(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return (error as ValidationError).data.errors.map(({ path }) => path)
  }
  throw new Error('the write was not refused')
}

async function state(payload: Payload) {
  const { docs } = await payload.find({ collection: 'items', depth: 0, sort: 'title' })
  const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
    collection: 'items',
  })
  return { clean: report.clean, docs: docs.map(({ n, title }) => ({ n, title })) }
}

describe('values of another type in indexed fields', () => {
  let booted: Booted
  beforeAll(async () => {
    booted = await boot(config(), 'dynamodb', THROUGH_INDEXES)
  })
  afterAll(() => closeAll(booted))

  it('are refused with a ValidationError naming the field, and nothing is stored', async () => {
    const { payload } = booted
    const kept = await payload.create({ collection: 'items', data: { n: 2, title: 'kept' } })
    const before = await state(payload)
    const db = payload.db
    expect(
      await refusal(() =>
        db.create({ collection: 'items', data: { n: 'abc', title: 'text in n' }, req: {} }),
      ),
    ).toEqual(['n'])
    expect(
      await refusal(() =>
        db.create({ collection: 'items', data: { title: 'no date', when: 'yesterday' }, req: {} }),
      ),
    ).toEqual(['when'])
    expect(
      await refusal(() =>
        db.create({ collection: 'items', data: { flag: 'yes', title: 'no boolean' }, req: {} }),
      ),
    ).toEqual(['flag'])
    expect(
      await refusal(() =>
        db.updateOne({ collection: 'items', data: { n: 'abc' }, id: kept.id, req: {} }),
      ),
    ).toEqual(['n'])
    // Past Payload's validation: a hook's value.
    expect(
      await refusal(() =>
        payload.create({ collection: 'items', data: { hooked: 13, title: 'hooked' } }),
      ),
    ).toEqual(['hooked'])
    expect(await state(payload)).toEqual(before)
    expect(before).toMatchObject({ clean: true, docs: [{ n: 2, title: 'kept' }] })
    // A field without an index stores what it is given, as before.
    await db.create({ collection: 'items', data: { plain: 'abc', title: 'plain' }, req: {} })
    expect(await payload.count({ collection: 'items', where: { n: { exists: false } } })).toEqual({
      totalDocs: 1,
    })
  })

  it('a value saved before the field changed type is kept when the document is saved', async () => {
    const tableName = `misfit-writes-${randomUUID()}`
    const older = await bootOnTable(config('text'), tableName)
    const legacy = await older.create({ collection: 'items', data: { n: 'abc', title: 'legacy' } })
    const newer = await bootOnTable(config('number'), tableName, THROUGH_INDEXES)
    try {
      // (Payload's own validation refuses the text in `n`; a migration writes through the adapter.)
      await newer.db.updateOne({
        collection: 'items',
        data: { title: 'saved again' },
        id: legacy.id,
        req: {},
      })
      // A process of the older config still writes its own type.
      await older.create({ collection: 'items', data: { n: 'xyz', title: 'older writer' } })
      const { docs } = await newer.find({ collection: 'items', sort: 'title', where: {} })
      expect(docs.map(({ n, title }) => ({ n, title }))).toEqual([
        { n: 'xyz', title: 'older writer' },
        { n: 'abc', title: 'saved again' },
      ])
      // The documents of the older type keep the index unbuilt: `n` is answered from them.
      expect(
        (await newer.find({ collection: 'items', sort: 'n', where: { n: { exists: true } } })).docs
          .length,
      ).toBe(2)
    } finally {
      await Promise.all([older.destroy(), newer.destroy()])
    }
  })
})
