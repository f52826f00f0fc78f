/**
 * Document life cycle through Payload's Local API on DynamoDB, compared with db-sqlite where the
 * answer is data (shapes, select, distinct values), and checked directly where it is behaviour
 * (unique values, odd ids, timestamps).
 */
import type { CollectionConfig, DatabaseAdapterObj, Payload, SelectType } from 'payload'

import { ValidationError } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { boot } from '../support/bootPayload.js'
import { normalizeDoc } from '../support/compare.js'
import { fixtureConfig } from '../support/fixtureConfig.js'
import { seedFixture } from '../support/seed.js'

const extraCollections: CollectionConfig[] = [
  {
    slug: 'text-ids',
    fields: [
      { name: 'id', type: 'text' },
      { name: 'label', type: 'text' },
    ],
  },
  {
    slug: 'number-ids',
    fields: [
      { name: 'id', type: 'number' },
      { name: 'label', type: 'text' },
    ],
  },
  {
    slug: 'unique-things',
    fields: [
      { name: 'code', type: 'text', unique: true },
      { name: 'other', type: 'text' },
    ],
    indexes: [{ fields: ['other', 'code'], unique: true }],
  },
]

function config(db: DatabaseAdapterObj) {
  const base = fixtureConfig(db)
  return { ...base, collections: [...(base.collections ?? []), ...extraCollections] }
}

describe('documents', () => {
  let dynamo: Booted
  let sqlite: Booted
  let dynamoNames: Map<string, string>
  let sqliteNames: Map<string, string>
  let payload: Payload

  beforeAll(async () => {
    ;[dynamo, sqlite] = await Promise.all([boot(config, 'dynamodb'), boot(config, 'sqlite')])
    ;({ names: dynamoNames } = await seedFixture(dynamo.payload, 12))
    ;({ names: sqliteNames } = await seedFixture(sqlite.payload, 12))
    payload = dynamo.payload
  })

  afterAll(async () => {
    await Promise.all([dynamo?.close(), sqlite?.close()])
  })

  it('returns the same documents as db-sqlite (depth 0 and 1, every field type)', async () => {
    for (const depth of [0, 1]) {
      const [actual, expected] = await Promise.all([
        dynamo.payload.find({ collection: 'posts', depth, limit: 0, sort: 'slug' }),
        sqlite.payload.find({ collection: 'posts', depth, limit: 0, sort: 'slug' }),
      ])
      expect(actual.docs.length).toBe(12)
      expect(normalizeDoc(actual.docs, dynamoNames)).toEqual(
        normalizeDoc(expected.docs, sqliteNames),
      )
    }
  })

  it('applies select like db-sqlite (include, exclude, nested)', async () => {
    const selects: SelectType[] = [
      { title: true },
      { title: false, body: false },
      { meta: { score: true } },
      { items: { qty: true } },
      { layout: { hero: { heading: true } } },
      { localTitle: true, author: true },
    ]
    for (const select of selects) {
      const [actual, expected] = await Promise.all([
        dynamo.payload.find({ collection: 'posts', depth: 0, limit: 0, select, sort: 'slug' }),
        sqlite.payload.find({ collection: 'posts', depth: 0, limit: 0, select, sort: 'slug' }),
      ])
      // db-sqlite has no point type and drops `location` under an exclusion select.
      const withoutPoint = (docs: Record<string, unknown>[]) =>
        docs.map(({ location: _location, ...rest }) => rest)
      expect(normalizeDoc(withoutPoint(actual.docs), dynamoNames)).toEqual(
        normalizeDoc(withoutPoint(expected.docs), sqliteNames),
      )
    }
  })

  it('finds distinct values like db-sqlite', async () => {
    for (const field of ['status', 'kind', 'title']) {
      const [actual, expected] = await Promise.all([
        dynamo.payload.findDistinct({ collection: 'posts', field, sort: field }),
        sqlite.payload.findDistinct({ collection: 'posts', field, sort: field }),
      ])
      expect(actual.values).toEqual(expected.values)
      expect(actual.totalDocs).toBe(expected.totalDocs)
    }
  })

  it('creates, reads, updates and deletes with timestamps', async () => {
    const created = await payload.create({ collection: 'tags', data: { label: 'fresh' } })
    expect(typeof created.id).toBe('string')
    expect(Date.parse(created.createdAt)).not.toBeNaN()
    expect(created.updatedAt).toBe(created.createdAt)

    const found = await payload.findByID({ id: created.id, collection: 'tags' })
    expect(found.label).toBe('fresh')

    await new Promise((resolve) => setTimeout(resolve, 5))
    const updated = await payload.update({
      id: created.id,
      collection: 'tags',
      data: { label: 'changed' },
    })
    expect(updated.label).toBe('changed')
    expect(updated.createdAt).toBe(created.createdAt)
    expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt))

    await payload.delete({ id: created.id, collection: 'tags' })
    await expect(payload.findByID({ id: created.id, collection: 'tags' })).rejects.toThrow(
      /not found/i,
    )
  })

  it('updates and deletes many by where', async () => {
    for (const label of ['bulk-a', 'bulk-b', 'bulk-c']) {
      await payload.create({ collection: 'tags', data: { label } })
    }
    const result = await payload.update({
      collection: 'tags',
      data: { label: 'bulk-done' },
      where: { label: { like: 'bulk-' } },
    })
    expect(result.docs).toHaveLength(3)
    expect(result.errors).toEqual([])
    expect(
      (await payload.count({ collection: 'tags', where: { label: { equals: 'bulk-done' } } }))
        .totalDocs,
    ).toBe(3)
    await payload.delete({ collection: 'tags', where: { label: { equals: 'bulk-done' } } })
    expect(
      (await payload.count({ collection: 'tags', where: { label: { equals: 'bulk-done' } } }))
        .totalDocs,
    ).toBe(0)
  })

  it('upserts: updates a match, creates otherwise', async () => {
    const first = await payload.db.upsert({
      collection: 'tags',
      data: { label: 'upserted' },
      where: { label: { equals: 'upserted' } },
    })
    const second = await payload.db.upsert({
      collection: 'tags',
      data: { label: 'upserted' },
      where: { label: { equals: 'upserted' } },
    })
    expect(second.id).toBe(first.id)
    expect(
      (await payload.count({ collection: 'tags', where: { label: { equals: 'upserted' } } }))
        .totalDocs,
    ).toBe(1)
  })

  it('keeps custom text ids apart, whatever characters they hold', async () => {
    const ids = [
      'plain',
      'a#b',
      '#',
      '=x',
      '~x',
      'D#=a',
      '%23',
      'ünïcødé-文字-🙂',
      'x'.repeat(2000),
      'x'.repeat(2001),
    ]
    for (const id of ids) {
      await payload.create({
        collection: 'text-ids',
        data: { id, label: `label of ${id.slice(0, 20)}` },
      })
    }
    for (const id of ids) {
      const doc = await payload.findByID({ id, collection: 'text-ids' })
      expect(doc.id).toBe(id)
      expect(doc.label).toBe(`label of ${id.slice(0, 20)}`)
    }
    expect((await payload.find({ collection: 'text-ids', limit: 0 })).totalDocs).toBe(ids.length)
    await expect(
      payload.create({ collection: 'text-ids', data: { id: 'a#b', label: 'dup' } }),
    ).rejects.toBeInstanceOf(ValidationError)
  })

  it('supports number ids, also when given as strings', async () => {
    await payload.create({ collection: 'number-ids', data: { id: 7, label: 'seven' } })
    await payload.create({ collection: 'number-ids', data: { id: -3, label: 'minus three' } })
    expect((await payload.findByID({ id: '7', collection: 'number-ids' })).label).toBe('seven')
    const sorted = await payload.find({ collection: 'number-ids', sort: 'id' })
    expect(sorted.docs.map((doc) => doc.id)).toEqual([-3, 7])
  })

  it('rejects a duplicate unique value with a ValidationError naming the field, and writes nothing', async () => {
    await payload.create({ collection: 'unique-things', data: { code: 'A1', other: 'x' } })
    const attempt = payload.create({
      collection: 'unique-things',
      data: { code: 'A1', other: 'y' },
    })
    await expect(attempt).rejects.toBeInstanceOf(ValidationError)
    await expect(attempt).rejects.toMatchObject({
      data: { errors: [expect.objectContaining({ path: 'code' })] },
    })
    expect((await payload.count({ collection: 'unique-things' })).totalDocs).toBe(1)
  })

  it('lets exactly one of concurrent creates with the same unique value win', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        payload.create({ collection: 'unique-things', data: { code: 'RACE', other: `r${i}` } }),
      ),
    )
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
    for (const result of results.filter((each) => each.status === 'rejected')) {
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError)
    }
    expect(
      (await payload.count({ collection: 'unique-things', where: { code: { equals: 'RACE' } } }))
        .totalDocs,
    ).toBe(1)
  })

  it('frees a unique value when the document changes or goes', async () => {
    const doc = await payload.create({
      collection: 'unique-things',
      data: { code: 'FREE', other: 'f' },
    })
    await payload.update({ id: doc.id, collection: 'unique-things', data: { code: 'FREED' } })
    const again = await payload.create({
      collection: 'unique-things',
      data: { code: 'FREE', other: 'g' },
    })
    await payload.delete({ id: again.id, collection: 'unique-things' })
    await expect(
      payload.create({ collection: 'unique-things', data: { code: 'FREE', other: 'h' } }),
    ).resolves.toMatchObject({
      code: 'FREE',
    })
  })

  it('lets compound unique indexes hold distinct combinations', async () => {
    await payload.create({ collection: 'unique-things', data: { code: 'C1', other: 'pair' } })
    await payload.create({ collection: 'unique-things', data: { code: 'C2', other: 'pair' } })
    expect(
      (await payload.count({ collection: 'unique-things', where: { other: { equals: 'pair' } } }))
        .totalDocs,
    ).toBe(2)
  })
})
