/**
 * A write giving an indexed field a value its type does not hold ('abc' in a number field through
 * `payload.db.create`, a hook's text after Payload's validation): the index could not key it, and
 * pages and totals read through the index left the document out while the collection held it
 * (`sort: 'n'` gave 4 of 5 documents, `n > 1` counted 1 for 2, and `verifyIndexes` reported an
 * entry missing that `repairIndexes` could not put). Such a write is refused with a
 * `ValidationError` and stores nothing; a value the document already held (saved before the
 * field's type changed) is kept when the document is saved again.
 */
import type { CollectionConfig, Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'
import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, bootBoth, bootOnTable, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

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

/** Values Payload's validation lets through, stored as db-sqlite stores them (none refused). */
const lenient = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'things',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'flag', type: 'checkbox', index: true },
        { name: 'n', type: 'number', index: true },
        { name: 'label', type: 'text', index: true, localized: true },
      ],
      versions: { drafts: true },
    },
  ],
  db,
  localization: { defaultLocale: 'en', locales: ['en', 'de'] },
  logger: { options: { level: 'warn' } },
  secret: 'misfit-writes-lenient',
  telemetry: false,
})

describe('values Payload lets through', () => {
  let dynamo: Booted
  let sqlite: Booted
  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(lenient, THROUGH_INDEXES)
  })
  afterAll(() => closeAll(dynamo, sqlite))

  async function answers(payload: Payload) {
    const created: unknown[] = []
    for (const data of [
      { flag: 0, title: 'zero' },
      { flag: true, title: 'true' },
      { flag: false, title: 'false' },
      { label: ['a'], title: 'label list' },
      { label: { a: 1 }, title: 'label object' },
      { flag: Number.NaN, title: 'not a number' },
    ]) {
      const doc = await payload.create({ collection: 'things', data: data as never })
      created.push({ flag: doc.flag ?? null, label: doc.label ?? null, title: doc.title })
    }
    const counts: Record<string, number> = {}
    const wheres: Record<string, Where> = {
      'flag false': { flag: { equals: false } },
      'flag true': { flag: { equals: true } },
      'flag not true': { flag: { not_equals: true } },
      'label list': { label: { equals: '["a"]' } },
      'label object': { label: { equals: '{"a":1}' } },
    }
    for (const [name, where] of Object.entries(wheres)) {
      counts[name] = (await payload.count({ collection: 'things', where })).totalDocs
    }
    // A plugin's or an import's version stamps given as Dates.
    const { id } = await payload.create({ collection: 'things', data: { title: 'versioned' } })
    const version = await payload.db.createVersion({
      autosave: false,
      collectionSlug: 'things',
      createdAt: new Date('2024-01-01T00:00:00Z') as never,
      parent: id,
      req: {},
      updatedAt: new Date('2024-01-02T00:00:00Z') as never,
      versionData: { _status: 'draft', title: 'dated' } as never,
    })
    return { counts, created, stamps: [version.createdAt, version.updatedAt] }
  }

  it('are stored and counted as db-sqlite stores them', async () => {
    const expected = await answers(sqlite.payload)
    expect(expected.counts).toMatchObject({ 'flag false': 3, 'flag true': 1 })
    expect(await answers(dynamo.payload)).toEqual(expected)
    const report = await (dynamo.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'things',
    })
    expect(report.clean).toBe(true)
  })

  // db-sqlite stores a Date in a text field as its JSON text (quoted); here its ISO text, as
  // before the check, and not refused.
  it('stores a Date in an indexed text field as its ISO text', async () => {
    const { payload } = dynamo
    const doc = await payload.create({
      collection: 'things',
      data: { label: new Date('2024-05-06T07:08:09Z') as never, title: 'dated label' },
    })
    expect(doc.label).toBe('2024-05-06T07:08:09.000Z')
    const where: Where = { label: { equals: '2024-05-06T07:08:09.000Z' } }
    expect((await payload.count({ collection: 'things', where })).totalDocs).toBe(1)
    const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'things',
    })
    expect(report.clean).toBe(true)
  })
})
