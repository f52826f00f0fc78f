/**
 * `in` / `not_in` lists holding values the field cannot hold (`'abc'` for a number, an id or a
 * relationship, `'not a date'` for a date), against db-sqlite, from memory and through the
 * indexes: a number field's `not_in` of only such values keeps the documents with a value (SQL's
 * NOT IN of what db-sqlite binds); on other kinds they drop out of the condition (since
 * 2026-12-08; before, a number's kept every document, and for a few hours a date's kept only the
 * documents with a date).
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { againstSqlite } from '../support/againstSqlite.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'authors',
      fields: [
        { name: 'name', type: 'text' },
        { name: 'id', type: 'number' },
      ],
    },
    {
      slug: 'things',
      fields: [
        { name: 'name', type: 'text' },
        { name: 'n', type: 'number' },
        { name: 'd', type: 'date' },
        { name: 'rel', type: 'relationship', relationTo: 'authors' },
        { name: 'rels', type: 'relationship', relationTo: 'authors', hasMany: true },
        { name: 'poly', type: 'relationship', relationTo: ['authors'] },
        { name: 'nums', type: 'number', hasMany: true },
        {
          name: 'rows',
          type: 'array',
          fields: [
            { name: 'n', type: 'number' },
            { name: 'd', type: 'date' },
          ],
        },
        { name: 'grp', type: 'group', fields: [{ name: 'n', type: 'number' }] },
        { name: 'sel', type: 'select', options: ['a', 'b'] },
        { name: 'cb', type: 'checkbox' },
      ],
    },
  ],
  db,
  secret: 'unmatchable-lists',
  telemetry: false,
  typescript: { autoGenerate: false },
})

async function seed(payload: Payload): Promise<void> {
  await payload.create({ collection: 'authors', data: { id: 1, name: 'a1' } })
  await payload.create({ collection: 'authors', data: { id: 2, name: 'a2' } })
  await payload.create({
    collection: 'things',
    data: {
      name: 'full',
      n: 5,
      d: '2020-01-01T00:00:00.000Z',
      rel: 1,
      rels: [1, 2],
      poly: { relationTo: 'authors', value: 1 },
      nums: [1, 2],
      rows: [{ n: 3, d: '2020-01-01T00:00:00.000Z' }],
      grp: { n: 4 },
      sel: 'a',
      cb: true,
    },
  })
  await payload.create({ collection: 'things', data: { name: 'empty' } })
  await payload.create({
    collection: 'things',
    data: { name: 'other', n: 6, rows: [{}], nums: [], rels: [], grp: {}, cb: false },
  })
}

const cases: [string, Where][] = [
  ['n not_in [abc]', { n: { not_in: ['abc'] } }],
  ['n not_in abc string', { n: { not_in: 'abc' } }],
  ['n not_in [abc,5]', { n: { not_in: ['abc', 5] } }],
  ['n in [abc]', { n: { in: ['abc'] } }],
  ['n in [abc,5]', { n: { in: ['abc', 5] } }],
  ['n not_in []', { n: { not_in: [] } }],
  ['d not_in [not a date]', { d: { not_in: ['not a date'] } }],
  ['d in [not a date]', { d: { in: ['not a date'] } }],
  ['rel not_in [abc]', { rel: { not_in: ['abc'] } }],
  ['rels not_in [abc]', { rels: { not_in: ['abc'] } }],
  ['poly not_in [abc]', { 'poly.value': { not_in: ['abc'] } }],
  ['nums not_in [abc]', { nums: { not_in: ['abc'] } }],
  ['nums in [abc, 1]', { nums: { in: ['abc', 1] } }],
  ['rows.n not_in [abc]', { 'rows.n': { not_in: ['abc'] } }],
  ['rows.d not_in [bad]', { 'rows.d': { not_in: ['bad'] } }],
  ['grp.n not_in [abc]', { 'grp.n': { not_in: ['abc'] } }],
  ['sel not_in [zz]', { sel: { not_in: ['zz'] } }],
  ['cb not_in [abc]', { cb: { not_in: ['abc'] } }],
  ['n not_in [abc] or name', { or: [{ n: { not_in: ['abc'] } }, { name: { equals: 'empty' } }] }],
  ['n not_in [abc] and', { and: [{ n: { not_in: ['abc'] } }, { name: { not_equals: 'x' } }] }],
]

againstSqlite('not_in of unmatchable values', config, seed, (dynamo, sqlite) => {
  const names = async (
    { booted }: ReturnType<typeof dynamo>,
    where: Where,
    collection = 'things',
  ) => {
    try {
      return (
        await booted.payload.find({
          collection: collection as 'things',
          depth: 0,
          sort: 'name',
          where,
        })
      ).docs.map((doc) => (doc as { name?: string }).name)
    } catch (error) {
      return `error: ${(error as Error).message}`
    }
  }
  it.each(cases)('%s', async (_n, where) => {
    const expected = await names(sqlite(), where)
    expect(await names(dynamo(), where)).toEqual(expected)
  })
  it.each([
    ['id not_in [abc]', { id: { not_in: ['abc'] } }],
    ['id in [abc, 1]', { id: { in: ['abc', 1] } }],
    ['id not_in [abc, 1]', { id: { not_in: ['abc', 1] } }],
  ] as [string, Where][])('authors %s', async (_n, where) => {
    const expected = await names(sqlite(), where, 'authors')
    expect(await names(dynamo(), where, 'authors')).toEqual(expected)
  })
})
