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
    `{ title: 'a', body: 'first', group: { inner: 'g1' }, rows: [{ label: 'r1' }] }`,
    `{ title: 'b', body: 'second', group: { inner: 'g2' }, rows: [{ label: 'r2' }] }`,
    `{ title: 'c', body: 'third', group: { inner: 'g2' }, rows: [{ label: 'r3' }, { label: 'r4' }] }`,
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
    const { totalDocs } = await payload.count({ collection: 'notes', where: foreign(source) })
    found.push({
      count: totalDocs,
      docs: page.docs.map(({ body, group, rows, title }) => ({
        body,
        group,
        rows: (rows ?? []).map(({ label }: { label: string }) => label),
        title,
      })),
      source,
      totalDocs: page.totalDocs,
    })
  }
  await payload.delete({ collection: 'notes', where: foreign(`{ title: { equals: 'a' } }`) })
  await payload.db.deleteMany({
    collection: 'notes',
    req: {},
    where: foreign(`{ body: { equals: 'second' } }`),
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
})
