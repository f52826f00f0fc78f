/**
 * A `json` value compared whole (`equals`, `in`, `not_equals`, `not_in` with an object): DynamoDB
 * stores it as a map and gives its keys back in an order of its own, so comparing it as written
 * found nothing where db-sqlite, which keeps the text as given, finds the document. Compared with
 * its keys in order, it matches whatever order either side holds them in (as db-postgres's jsonb).
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { againstSqlite } from '../support/againstSqlite.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'things',
      fields: [
        { name: 'name', type: 'text' },
        { name: 'data', type: 'json' },
      ],
    },
  ],
  db,
  secret: 'json-equality',
  telemetry: false,
  typescript: { autoGenerate: false },
})

const nested = { alpha: { a: 1, b: 2 }, list: [{ x: 2, y: 1 }], mid: 'x', zeta: 1 }
// The same keys, written in another order at every level (arrays keep theirs).
const reordered = { zeta: 1, mid: 'x', list: [{ y: 1, x: 2 }], alpha: { b: 2, a: 1 } }

async function seed(payload: Payload): Promise<void> {
  const things: [string, unknown][] = [
    ['nested', reordered],
    ['other', { alpha: { a: 1, b: 3 }, zeta: 1 }],
    ['flat', { b: 'two', a: 'one' }],
    ['none', null],
  ]
  for (const [name, data] of things) {
    await payload.create({ collection: 'things', data: { data, name } })
  }
}

againstSqlite('json values compared whole', config, seed, (dynamo, sqlite) => {
  const names = async ({ booted }: ReturnType<typeof dynamo>, where: Where) =>
    (await booted.payload.find({ collection: 'things', depth: 0, sort: 'name', where })).docs.map(
      (doc) => doc.name,
    )

  it.each([
    ['equals', { data: { equals: reordered } }],
    ['in', { data: { in: [reordered, { b: 'two', a: 'one' }] } }],
  ] as [string, Where][])('%s with the values as written: as db-sqlite', async (_name, where) => {
    const expected = await names(sqlite(), where)
    expect(expected.length).toBeGreaterThan(0)
    expect(await names(dynamo(), where)).toEqual(expected)
  })

  // db-sqlite compares the text as written (another order is another value); db-postgres's
  // jsonb, like this adapter, does not look at the order.
  it('finds the value written in any order of its keys', async () => {
    expect(await names(dynamo(), { data: { equals: nested } })).toEqual(['nested'])
    expect(await names(dynamo(), { data: { in: [{ a: 'one', b: 'two' }] } })).toEqual(['flat'])
    expect(await names(dynamo(), { data: { not_in: [nested] } })).toEqual(['flat', 'other'])
    expect(await names(dynamo(), { data: { not_equals: nested } })).toEqual(['flat', 'other'])
  })
})
