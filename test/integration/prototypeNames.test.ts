/**
 * A field named like a member every JavaScript object inherits (`valueOf`): a document without a
 * value for it has none, not `Object.prototype`'s function. Read from the prototype, a create
 * without the value failed (the function could not be copied), and an index entry or a query
 * would have seen a value the document does not hold. db-sqlite is no reference here: it binds the
 * inherited function and its create fails; the expected answers are computed from the seed.
 * Through the indexes and from memory; `verifyIndexes` is clean.
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'things',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'valueOf', type: 'text', index: true },
        { name: 'rank', type: 'number', index: true },
        { name: 'plain', type: 'group', fields: [{ name: 'valueOf', type: 'text' }] },
        // Localized: Payload keeps the inherited function as this locale's value ({ en: fn }).
        {
          name: 'loc',
          type: 'group',
          fields: [{ name: 'valueOf', type: 'text', localized: true }],
        },
      ],
    },
  ],
  db,
  localization: { defaultLocale: 'en', locales: ['en', 'es'] },
  secret: 'prototype-names',
  telemetry: false,
  typescript: { autoGenerate: false },
})

type Seeded = { group?: string; rank: number; title: string; value?: string }
const SEED: Seeded[] = Array.from({ length: 8 }, (_, i) => ({
  group: i % 2 === 0 ? undefined : `g${i}`,
  rank: i % 4,
  title: `t${i}`,
  value: i % 3 === 1 ? undefined : `v${i % 4}`,
}))

const CASES: [Where, (doc: Seeded) => boolean][] = [
  [{ valueOf: { exists: false } }, (doc) => doc.value === undefined],
  [{ valueOf: { exists: true } }, (doc) => doc.value !== undefined],
  [{ valueOf: { equals: 'v0' } }, (doc) => doc.value === 'v0'],
  [{ valueOf: { not_equals: 'v0' } }, (doc) => doc.value !== 'v0'],
  [{ valueOf: { in: ['v1', 'v2'] } }, (doc) => doc.value === 'v1' || doc.value === 'v2'],
  [{ valueOf: { equals: null } }, (doc) => doc.value === undefined],
  [
    { and: [{ valueOf: { exists: false } }, { rank: { greater_than: 0 } }] },
    (doc) => doc.value === undefined && doc.rank > 0,
  ],
  [{ 'plain.valueOf': { exists: false } }, (doc) => doc.group === undefined],
  [{ 'plain.valueOf': { like: 'g' } }, (doc) => doc.group !== undefined],
  [{ 'loc.valueOf': { exists: false } }, (doc) => doc.group === undefined],
  [{ 'loc.valueOf': { equals: 'g1' } }, (doc) => doc.group === 'g1'],
]

describe.each([
  ['through the indexes', THROUGH_INDEXES],
  ['from memory', {}],
])('a field named like an inherited member, %s', (_name, options) => {
  let dynamo: Booted

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb', options)
    for (const doc of SEED) {
      await dynamo.payload.create({
        collection: 'things',
        // `valueOf` is optional text here (Object's own member of that name is a function).
        data: <Record<string, unknown>>{
          loc: doc.group === undefined ? {} : { valueOf: doc.group },
          plain: doc.group === undefined ? {} : { valueOf: doc.group },
          rank: doc.rank,
          title: doc.title,
          valueOf: doc.value,
        },
      })
    }
  }, 120_000)

  afterAll(async () => {
    await closeAll(dynamo)
  })

  it.each(CASES.map(([where, matches]) => [JSON.stringify(where), where, matches] as const))(
    'answers %s from what the documents hold',
    async (_label, where, matches) => {
      const expected = SEED.filter(matches).map((doc) => doc.title)
      expect(expected.length).toBeGreaterThan(0)
      const found = await dynamo.payload.find({
        collection: 'things',
        limit: 0,
        pagination: false,
        sort: 'title',
        where,
      })
      expect(found.docs.map((doc) => doc.title)).toEqual(expected)
      expect((await dynamo.payload.count({ collection: 'things', where })).totalDocs).toBe(
        expected.length,
      )
    },
  )

  it('sorts documents without the value first, as missing values sort', async () => {
    const found = await dynamo.payload.find({
      collection: 'things',
      limit: 0,
      pagination: false,
      sort: ['valueOf', 'title'],
    })
    const expected = [...SEED]
      .sort(
        (a, b) => (a.value ?? '').localeCompare(b.value ?? '') || a.title.localeCompare(b.title),
      )
      .map((doc) => doc.title)
    expect(found.docs.map((doc) => doc.title)).toEqual(expected)
  })

  it('returns no value for a document without one, and its indexes are clean', async () => {
    const [without] = (
      await dynamo.payload.find({ collection: 'things', where: { title: { equals: 't1' } } })
    ).docs
    expect(without && Object.hasOwn(without, 'valueOf')).toBe(false)
    const selected = await dynamo.payload.find({
      collection: 'things',
      select: { title: true },
      where: { title: { equals: 't0' } },
    })
    expect(Object.keys(selected.docs[0] ?? {}).sort()).toEqual(['id', 'title'])
    const report = await (dynamo.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'things',
    })
    expect(report.clean).toBe(true)
  })
})
