/**
 * Queries and data whose objects were made in another realm (a `vm` context; `structuredClone`
 * under Jest's module VM does the same): their prototype is another `Object.prototype`. The
 * adapter once skipped such conditions as "not an object", so `{ title: { equals: 'a' } }`
 * matched every document and a delete by it deleted them all. Every answer here is db-sqlite's.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { runInNewContext } from 'node:vm'

import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'notes',
      fields: [
        { name: 'title', type: 'text', index: true },
        { name: 'body', type: 'text' },
        { name: 'at', type: 'date', index: true },
        { name: 'group', type: 'group', fields: [{ name: 'inner', type: 'text' }] },
        { name: 'rows', type: 'array', fields: [{ name: 'label', type: 'text' }] },
      ],
    },
  ],
  db,
  logger: { options: { level: 'warn' } },
  secret: 'other-realm-objects',
  telemetry: false,
})

/** The object `source` describes, made in a new realm. */
const foreign = <T>(source: string): T => runInNewContext(`(${source})`) as T

const WHERES: string[] = [
  `{ title: { equals: 'a' } }`,
  `{ body: { equals: 'second' } }`,
  `{ title: { in: ['a', 'c'] } }`,
  `{ or: [{ title: { equals: 'a' } }, { body: { equals: 'third' } }] }`,
  `{ and: [{ title: { not_equals: 'a' } }, { 'group.inner': { equals: 'g2' } }] }`,
  `{ 'rows.label': { equals: 'r3' } }`,
]

async function seed(payload: Payload): Promise<void> {
  const notes = [
    `{ title: 'a', body: 'first', at: '2024-01-01T00:00:00.000Z', group: { inner: 'g1' }, rows: [{ label: 'r1' }] }`,
    `{ title: 'b', body: 'second', at: '2024-01-02T00:00:00.000Z', group: { inner: 'g2' }, rows: [{ label: 'r2' }] }`,
    `{ title: 'c', body: 'third', at: '2024-01-03T00:00:00.000Z', group: { inner: 'g2' }, rows: [{ label: 'r3' }, { label: 'r4' }] }`,
  ]
  for (const data of notes) {
    await payload.create({ collection: 'notes', data: foreign(data) })
  }
}

async function answers(payload: Payload): Promise<unknown> {
  const found: unknown[] = []
  for (const source of WHERES) {
    const page = await payload.find({
      collection: 'notes',
      depth: 0,
      sort: 'title',
      where: foreign<Where>(source),
    })
    const { totalDocs } = await payload.count({
      collection: 'notes',
      where: foreign<Where>(source),
    })
    found.push({
      count: totalDocs,
      docs: page.docs.map(({ at, body, group, rows, title }) => ({
        at,
        body,
        group,
        rows: (rows ?? []).map(({ label }: { label: string }) => label),
        title,
      })),
      source,
      totalDocs: page.totalDocs,
    })
  }
  await payload.delete({ collection: 'notes', where: foreign<Where>(`{ title: { equals: 'a' } }`) })
  await payload.db.deleteMany({
    collection: 'notes',
    req: {},
    where: foreign<Where>(`{ body: { equals: 'second' } }`),
  })
  const left = await payload.find({ collection: 'notes', depth: 0, sort: 'title' })
  return { found, left: left.docs.map(({ title }) => title) }
}

describe('objects made in another realm', () => {
  let sqlite: Booted
  let held: Booted
  let indexed: Booted
  beforeAll(async () => {
    ;[sqlite, held, indexed] = await Promise.all([
      boot(config, 'sqlite'),
      boot(config, 'dynamodb'),
      boot(config, 'dynamodb', THROUGH_INDEXES),
    ])
  })
  afterAll(() => closeAll(sqlite, held, indexed))

  it('are conditions and data like any others, held in memory and through indexes', async () => {
    await Promise.all([seed(sqlite.payload), seed(held.payload), seed(indexed.payload)])
    const expected = await answers(sqlite.payload)
    expect(expected).toMatchObject({ left: ['c'] })
    expect(await answers(held.payload)).toEqual(expected)
    expect(await answers(indexed.payload)).toEqual(expected)
  })

  // db-sqlite cannot bind a Date of another realm ("SQLite3 can only bind numbers, strings, ..."):
  // the answer is this realm's Date's.
  it('compares a Date of another realm as a Date', async () => {
    for (const { payload } of [held, indexed]) {
      await payload.delete({ collection: 'notes', where: { id: { exists: true } } })
      await seed(payload)
      for (const [operator, at, titles] of [
        ['greater_than', '2024-01-02T00:00:00.000Z', ['c']],
        ['equals', '2024-01-01T00:00:00.000Z', ['a']],
        ['less_than_equal', '2024-01-02T00:00:00.000Z', ['a', 'b']],
      ] as const) {
        const where = foreign<Where>(`{ at: { ${operator}: new Date('${at}') } }`)
        const page = await payload.find({ collection: 'notes', depth: 0, sort: 'title', where })
        const { totalDocs } = await payload.count({ collection: 'notes', where })
        expect({ titles: page.docs.map(({ title }) => title), totalDocs }).toEqual({
          titles,
          totalDocs: titles.length,
        })
      }
    }
  })
})
