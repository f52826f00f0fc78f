/**
 * `findDistinct` with a `where` on the field's own rows (array rows, hasMany values): db-sqlite's
 * `SELECT DISTINCT` shares its joins with its `WHERE`, so only the rows the conditions hold on give
 * values (`findDistinct('tags', { tags: { equals: A } })` is `[A]`). Before, every row of each
 * matching document gave its value (`[A, B, C]`). Compared with db-sqlite, held in memory and
 * through the indexes.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { againstSqlite, namedDocuments } from '../support/againstSqlite.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    { slug: 'cats', fields: [{ name: 'name', type: 'text' }] },
    {
      slug: 'items',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'tags', type: 'relationship', hasMany: true, index: true, relationTo: 'cats' },
        {
          name: 'links',
          type: 'array',
          fields: [
            { name: 'cat', type: 'relationship', relationTo: 'cats' },
            { name: 'label', type: 'text' },
          ],
        },
        { name: 'words', type: 'text', hasMany: true },
        { name: 'opts', type: 'select', hasMany: true, options: ['x', 'y', 'z'] },
      ],
    },
  ],
  db,
  secret: 'distinct-rows',
  telemetry: false,
  typescript: { autoGenerate: false },
})

/** The cats' ids by name. */
async function seed(payload: Payload): Promise<Record<string, number | string>> {
  const cats = await namedDocuments(payload, 'cats', ['A', 'B', 'C'])
  const { A, B, C } = cats
  const items = [
    {
      links: [
        { cat: A, label: 'red' },
        { cat: B, label: 'blue' },
      ],
      opts: ['x', 'y'],
      tags: [A, B],
      title: 'i1',
      words: ['one', 'two'],
    },
    { links: [{ cat: A, label: 'green' }], opts: ['z'], tags: [A, C], title: 'i2', words: ['two'] },
    { links: [{ cat: C, label: 'red' }], opts: ['y'], tags: [C], title: 'i3', words: ['three'] },
    { title: 'i4' },
  ]
  for (const data of items) {
    await payload.create({ collection: 'items', data: data as never })
  }
  return cats
}

/** Each case: the field, and a where whose `"A"`/`"B"` strings stand for those cats' ids. */
const CASES: [string, Where, string?][] = [
  ['tags', { tags: { equals: 'A' } }],
  ['tags', { 'tags.name': { equals: 'C' } }],
  ['tags', { tags: { not_in: ['A', 'B'] } }],
  ['tags', { title: { equals: 'i1' } }],
  ['links.label', { 'links.cat': { equals: 'A' } }],
  ['links.cat', { 'links.label': { equals: 'red' } }],
  ['words', { words: { equals: 'two' } }],
  ['opts', { opts: { in: ['y', 'z'] } }],
  ['opts', { opts: { not_equals: 'y' } }],
  // Sorted by another field (the documents are listed first).
  ['tags', { title: { equals: 'i1' } }, 'title'],
  ['tags', { tags: { equals: 'A' } }, '-createdAt'],
  ['links.label', { 'links.cat': { equals: 'A' } }, 'title'],
]

const withIDs = (where: Where, cats: Record<string, number | string>): Where =>
  JSON.parse(
    JSON.stringify(where).replace(/"([AB])"/g, (_, name: string) => JSON.stringify(cats[name])),
  ) as Where

async function distinct(
  booted: Booted,
  cats: Record<string, number | string>,
  field: string,
  where: Where,
  /** A sort on another field: the values rank by the documents holding them. */
  sort?: string,
) {
  const names = new Map(Object.entries(cats).map(([name, id]) => [String(id), name]))
  const found = await booted.payload.findDistinct({
    collection: 'items',
    depth: 0,
    field: field as 'title',
    limit: 10,
    ...(sort ? { sort } : {}),
    where: withIDs(where, cats),
  })
  return found.values
    .map((value) => {
      const v = value[field as 'title'] as unknown
      return v === null || v === undefined ? 'null' : (names.get(String(v)) ?? String(v))
    })
    .sort()
}

againstSqlite(
  'findDistinct with a where on the rows of its field',
  config,
  seed,
  (dynamo, sqlite) => {
    it.each(
      CASES.map(
        ([field, where, sort]) =>
          [
            `${field} where ${JSON.stringify(where)}${sort ? ` sorted by ${sort}` : ''}`,
            field,
            where,
            sort,
          ] as const,
      ),
    )('%s gives the values db-sqlite gives', async (_label, field, where, sort) => {
      const { booted, seeded } = dynamo()
      const reference = sqlite()
      const expected = await distinct(reference.booted, reference.seeded, field, where, sort)
      expect(expected.length).toBeGreaterThan(0)
      expect(await distinct(booted, seeded, field, where, sort)).toEqual(expected)
    })
  },
)
