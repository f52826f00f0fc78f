/**
 * Valid Payload data that DynamoDB cannot hold as a map (storage/mapStorable.ts): nesting deeper
 * than its 32 levels (a `json` field, arrays of arrays), an empty key or one over 64 KB in a
 * `json` field, a number past 1e126. Such a document is stored gzipped and reads back whole; it is found, counted and
 * updated as on db-sqlite, and goes back to a map once it fits again. Before, each of them was
 * DynamoDB's ValidationException ("Nesting Levels have exceeded supported limits", "Empty
 * attribute name"), its InternalFailure for a key over 64 KB, or a 400 for the number.
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'
import { scanCount } from '../support/tableScan.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'things',
        fields: [
          { name: 'title', type: 'text', index: true },
          { name: 'size', type: 'number' },
          { name: 'data', type: 'json' },
          { name: 'rows', type: 'array', fields: [{ name: 'inner', type: 'json' }] },
        ],
      },
    ],
    db,
    secret: 'map-limits',
    telemetry: false,
  }
}

const nested = (levels: number): unknown => (levels === 0 ? 'leaf' : { a: nested(levels - 1) })
const nestedLists = (levels: number): unknown => (levels === 0 ? 'leaf' : [nestedLists(levels - 1)])

const DOCUMENTS: Record<string, unknown>[] = [
  { data: nested(5), size: 1, title: 'shallow' },
  { data: nested(31), size: 2, title: 'deep map' },
  { data: nested(60), size: 3, title: 'deeper map' },
  { data: nestedLists(40), size: 4, title: 'deep lists' },
  { data: { '': 'empty key', inner: { '': 1 } }, size: 5, title: 'empty key' },
  { data: { big: 1e200 }, size: 1e300, title: 'big number' },
  { rows: [{ inner: nested(30) }], size: 6, title: 'deep row' },
  { data: { ['k'.repeat(70_000)]: 'long key' }, size: 7, title: 'long key' },
]

describe('documents DynamoDB cannot hold as a map', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
    sqlite = await boot(config, 'sqlite')
  })

  afterAll(() => closeAll(dynamo, sqlite))

  const view = async (booted: Booted, where: Where) => {
    const { docs, totalDocs } = await booted.payload.find({
      collection: 'things',
      depth: 0,
      limit: 0,
      sort: 'title',
      where,
    })
    const { totalDocs: counted } = await booted.payload.count({ collection: 'things', where })
    return {
      counted,
      // A field never set reads as null on db-sqlite and as absent here.
      docs: docs.map(({ data, rows, size, title }) => ({
        data: data ?? null,
        rows: ((rows ?? []) as { inner: unknown }[]).map(({ inner }) => inner),
        size,
        title,
      })),
      totalDocs,
    }
  }

  it('stores, reads, finds and updates them as db-sqlite does', async () => {
    for (const booted of [dynamo, sqlite]) {
      for (const data of DOCUMENTS) {
        await booted.payload.create({ collection: 'things', data })
      }
    }
    const wheres: Where[] = [
      {},
      { title: { equals: 'deep map' } },
      { title: { in: ['empty key', 'big number', 'deep row'] } },
      { size: { greater_than: 3 } },
      { size: { greater_than: 1e250 } },
    ]
    for (const where of wheres) {
      expect(await view(dynamo, where)).toEqual(await view(sqlite, where))
    }
    // All but `shallow` are held gzipped (no `doc` map).
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    expect(
      await scanCount(adapter, 'attribute_exists(z) AND begins_with(sk, :d)', {
        ':d': { S: 'D#' },
      }),
    ).toBe(7)

    // One updated so that it fits a map again, `shallow` so that it no longer does: still seven.
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.update({
        collection: 'things',
        data: { data: nested(2) },
        where: { title: { equals: 'deeper map' } },
      })
      await booted.payload.update({
        collection: 'things',
        data: { data: { '': 'again' } },
        where: { title: { equals: 'shallow' } },
      })
    }
    for (const where of wheres) {
      expect(await view(dynamo, where)).toEqual(await view(sqlite, where))
    }
    expect(
      await scanCount(adapter, 'attribute_exists(z) AND begins_with(sk, :d)', {
        ':d': { S: 'D#' },
      }),
    ).toBe(7)
    const report = await adapter.verifyIndexes({ collection: 'things' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  })

  it("keeps a json field's own `__proto__` key, and stores an invalid date in it as null, as db-sqlite does", async () => {
    const shown = async (booted: Booted) => {
      const created = await booted.payload.create({
        collection: 'things',
        data: {
          data: {
            inner: JSON.parse('{"__proto__":{"x":1},"a":2}'),
            when: new Date('not a date'),
          },
          title: 'odd json',
        },
      })
      const read = await booted.payload.findByID({ collection: 'things', depth: 0, id: created.id })
      const { docs } = await booted.payload.find({
        collection: 'things',
        where: { title: { equals: 'odd json' } },
      })
      return [read, docs[0]].map((doc) => ({
        json: JSON.stringify(doc.data),
        keys: Object.keys((doc.data as { inner: object }).inner),
      }))
    }
    const expected = await shown(sqlite)
    expect(expected[0].keys).toEqual(['__proto__', 'a'])
    // Before: the key was dropped (`{"a":2}`).
    expect(await shown(dynamo)).toEqual(expected)
    // Payload's create copies the date into `{}`; the adapter's own create gets the date itself.
    const direct = async (booted: Booted) => {
      const created = await booted.payload.db.create({
        collection: 'things',
        data: { data: { when: new Date('not a date') }, title: 'invalid date' },
      })
      const read = await booted.payload.findByID({ collection: 'things', depth: 0, id: created.id })
      return read.data
    }
    // Before: a raw RangeError ("Invalid time value").
    expect(await direct(dynamo)).toEqual(await direct(sqlite))
    expect(await direct(sqlite)).toEqual({ when: null })
  })
})
