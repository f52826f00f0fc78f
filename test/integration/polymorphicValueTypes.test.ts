/**
 * A polymorphic relationship over collections with number ids and with text ids, queried on
 * `.value` and by `{ relationTo, value }`. db-sqlite compares the value column by column, one per
 * target collection, each in its own type, and leaves the text-id columns out when the query's
 * values are all numbers. Before: a number matched a text id ('9' for 9, and `not_equals 9`
 * matched every text id), ranges compared every stored id with the first target's form of the
 * value (so the answer changed with the order of `relationTo`), and `{ relationTo: 'nums',
 * value: '09' }` matched nothing. Held in memory and through an index on the relationship.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { againstSqlite } from '../support/againstSqlite.js'
import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'nums',
      fields: [
        { name: 'id', type: 'number' },
        { name: 'title', type: 'text' },
      ],
    },
    {
      slug: 'texts',
      fields: [
        { name: 'id', type: 'text' },
        { name: 'title', type: 'text' },
      ],
    },
    { slug: 'words', fields: [{ name: 'title', type: 'text' }] },
    {
      slug: 'moreNums',
      fields: [
        { name: 'id', type: 'number' },
        { name: 'title', type: 'text' },
      ],
    },
    {
      slug: 'kids',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'poly', type: 'relationship', index: true, relationTo: ['texts', 'nums'] },
        { name: 'poly2', type: 'relationship', relationTo: ['nums', 'texts'] },
        // Text ids only (the default ids): a number matches no column, and db-sqlite drops the
        // condition.
        { name: 'poly3', type: 'relationship', relationTo: ['texts', 'words'] },
        // Number ids only: a value's key is its number's, so the entries are the matches.
        { name: 'poly4', type: 'relationship', index: true, relationTo: ['nums', 'moreNums'] },
      ],
    },
  ],
  db,
  secret: 'polymorphic-value-types',
  telemetry: false,
  typescript: { autoGenerate: false },
})

async function seed(payload: Payload): Promise<void> {
  for (const id of [3, 9]) {
    await payload.create({ collection: 'nums', data: { id, title: `n${id}` } as never })
  }
  for (const id of ['9', 'abc', '10']) {
    await payload.create({ collection: 'texts', data: { id, title: `t${id}` } as never })
  }
  for (const [title, relationTo, value] of [
    ['k1', 'nums', 9],
    ['k2', 'texts', 'abc'],
    ['k3', 'texts', '10'],
    ['k4', 'nums', 3],
    ['k5', 'texts', '9'],
  ] as const) {
    const poly = { relationTo, value }
    const poly3 = relationTo === 'texts' ? poly : undefined
    await payload.create({ collection: 'kids', data: { poly, poly2: poly, poly3, title } as never })
  }
  await payload.create({ collection: 'kids', data: { title: 'k6' } })
}

const WHERES: Where[] = ['poly', 'poly2']
  .flatMap((field) => [
    { [`${field}.value`]: { equals: 9 } },
    { [`${field}.value`]: { equals: '9' } },
    { [`${field}.value`]: { in: [9] } },
    { [`${field}.value`]: { not_in: [9] } },
    // Not compared: `not_equals` / `not_in` with text values (db-sqlite answers no document at
    // all, its columns' NULLs leaving every row out) and `exists` (db-sqlite's SQL fails).
    { [`${field}.value`]: { not_equals: 9 } },
    { [`${field}.value`]: { greater_than: 5 } },
    { [`${field}.value`]: { greater_than: '5' } },
    { [`${field}.value`]: { less_than: 5 } },
    { [`${field}.value`]: { less_than_equal: '3' } },
    { [field]: { equals: { relationTo: 'nums', value: '09' } } },
    { [field]: { equals: { relationTo: 'nums', value: '9.0' } } },
    { [field]: { equals: { relationTo: 'texts', value: '9' } } },
  ])
  .concat([
    { 'poly3.value': { equals: 9 } },
    { 'poly3.value': { in: [9, 10] } },
    { 'poly3.value': { not_equals: 9 } },
    { 'poly3.value': { equals: '9' } },
  ])

const answer = async ({ payload }: Booted, where: Where) => {
  const found = await payload.find({
    collection: 'kids',
    depth: 0,
    pagination: false,
    sort: 'title',
    where,
  })
  const counted = await payload.count({ collection: 'kids', where })
  return { count: counted.totalDocs, titles: found.docs.map((doc) => doc.title) }
}

againstSqlite('a polymorphic value over number and text ids', config, seed, (dynamo, sqlite) => {
  it.each(WHERES.map((where) => [JSON.stringify(where), where] as const))(
    '%s matches what db-sqlite matches',
    async (_label, where) => {
      expect(await answer(dynamo().booted, where)).toEqual(await answer(sqlite().booted, where))
    },
  )
})

describe('the index of a polymorphic value', () => {
  let dynamo: Booted

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
  }, 120_000)

  afterAll(async () => {
    await closeAll(dynamo)
  })

  it('counts its entries as matches only when every target has number ids', async () => {
    const db = dynamo.payload.db as unknown as DynamoDBAdapter
    const exact = async (field: string) => {
      const { plan } = await db.explain({
        collection: 'kids',
        where: { [`${field}.value`]: { equals: 9 } },
      })
      return (plan as { exactCount?: boolean }).exactCount
    }
    expect(await exact('poly4')).toBe(true)
    expect(await exact('poly')).toBe(false)
  })
})
