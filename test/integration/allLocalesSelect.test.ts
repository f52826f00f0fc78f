/**
 * `locale: 'all'` with a `select`, and counts: a condition on a localized field matches in any
 * locale the document has, and a document has a locale when any of its localized fields has a
 * value there (db-sqlite's locales table). A `null` condition therefore matches a document whose
 * headline exists in one locale only, through a locale that only its tagline has. The reads that
 * serve a `select` and a count (a ProjectionExpression) must still read every field that tells
 * the locales, or the document is dropped (found by the differential test: seed 82 for the
 * select, seed 401 for the count).
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, bootBoth, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'notes',
        fields: [
          { name: 'seq', type: 'number' },
          { name: 'headline', type: 'text', index: true, localized: true },
          { name: 'tagline', type: 'text', localized: true },
          {
            name: 'meta',
            type: 'group',
            fields: [{ name: 'summary', type: 'text', localized: true }],
          },
          {
            name: 'links',
            type: 'array',
            localized: true,
            fields: [{ name: 'url', type: 'text' }],
          },
          { name: 'scores', type: 'number', hasMany: true },
          { name: 'tags', type: 'text', hasMany: true, localized: true },
          {
            name: 'rows',
            type: 'array',
            fields: [{ name: 'caption', type: 'text', localized: true }],
          },
          { name: 'sponsor', type: 'relationship', localized: true, relationTo: 'notes' },
        ],
      },
    ],
    db,
    localization: { defaultLocale: 'en', locales: ['en', 'de'] },
    secret: 'all-locales-select-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

async function seed(booted: Booted): Promise<void> {
  const { payload } = booted
  /** A document saved in en, then (when `de` is given) saved again in de. */
  const save = async (en: Record<string, unknown>, de?: Record<string, unknown>) => {
    const { id } = await payload.create({ collection: 'notes', data: en, locale: 'en' })
    if (de) {
      await payload.update({ id, collection: 'notes', data: de, locale: 'de' })
    }
    return id
  }
  // 1: headline in en only, tagline in de (so it has a de locale without a headline).
  const first = await save({ headline: "o'brien", seq: 1 }, { tagline: '' })
  // 2: headline in en only, nothing in de.
  await save({ headline: 'plain', seq: 2 })
  // 3: headline in en only, a de value inside a group.
  await save({ headline: 'grouped', seq: 3 }, { meta: { summary: 'kurz' } })
  // 4: headline in both locales.
  await save({ headline: 'Zeta', seq: 4 }, { headline: 'Zeta' })
  // 5: headline in en only, rows of a localized array in de: no de locale (db-sqlite keeps the
  // rows in a table of their own, not in the document's locale rows).
  await save({ headline: 'listed', seq: 5 }, { links: [{ url: 'https://example.de' }] })
  // 6: headline in en only, a non-localized field saved in de (Payload then writes the localized
  // array as `{ de: [] }`): no de locale either.
  await save({ headline: 'scored', seq: 6 }, { scores: [1] })
  // 7: headline in en only, a localized single relationship in de: db-sqlite keeps it in the
  // locale row, so the document has de.
  await save({ headline: 'sponsored', seq: 7 }, { sponsor: first })
  // 8: values of a localized hasMany and of a localized field in array rows, differing by locale:
  // db-sqlite joins their own tables in every locale.
  const tagged = await payload.create({
    collection: 'notes',
    data: { headline: 'tagged', rows: [{ caption: 'c-en' }], seq: 8, tags: ['a'] },
    locale: 'en',
  })
  const rowID = (tagged.rows as { id: string }[])[0].id
  await payload.update({
    id: tagged.id,
    collection: 'notes',
    data: { rows: [{ id: rowID, caption: 'c-de' }], tags: ['b'] },
    locale: 'de',
  })
  // 9: a localized hasMany with values in en, emptied in de: db-sqlite has its en row only (an
  // empty list adds no row; a null row stands for a document with none in any locale).
  await save({ headline: 'emptied', seq: 9, tags: ['a'] }, { tags: [] })
}

const WHERES: Where[] = [
  { headline: { in: ['Zeta', null] } },
  { headline: { equals: null } },
  { headline: { exists: false } },
  { headline: { not_equals: "o'brien" } },
  { or: [{ headline: { equals: null } }, { seq: { equals: 2 } }] },
  // Values that only a list's (or a row's) own locale holds.
  { 'links.url': { equals: 'https://example.de' } },
  { tags: { equals: 'b' } },
  { tags: { in: ['a', 'z'] } },
  { tags: { exists: false } },
  { tags: { equals: null } },
  { tags: { not_equals: 'a' } },
  { 'rows.caption': { equals: 'c-de' } },
  { 'rows.caption': { equals: 'c-en' } },
]

describe("locale 'all' with select", () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, THROUGH_INDEXES)
    await seed(dynamo)
    await seed(sqlite)
  })

  afterAll(() => closeAll(dynamo, sqlite))

  const seqs = async (booted: Booted, where: Where, select: boolean): Promise<number[]> =>
    (
      await booted.payload.find({
        collection: 'notes',
        depth: 0,
        locale: 'all',
        pagination: false,
        ...(select ? { select: { headline: true, seq: true } } : {}),
        sort: 'seq',
        where,
      })
    ).docs.map((doc) => doc.seq as number)

  test.each(WHERES.map((where) => [JSON.stringify(where), where]))(
    'matches as db-sqlite does: %s',
    async (_name, where) => {
      const expected = await seqs(sqlite, where as Where, true)
      // The case is only worth asking when a document matches through a locale it has by another field.
      expect(expected.length).toBeGreaterThan(0)
      expect(await seqs(dynamo, where as Where, true)).toEqual(expected)
      expect(await seqs(dynamo, where as Where, false)).toEqual(expected)
    },
  )

  // A count reads only the fields its conditions name (the same projection, no `select`).
  test.each(WHERES.map((where) => [JSON.stringify(where), where]))(
    'counts as db-sqlite does: %s',
    async (_name, where) => {
      const count = async (booted: Booted) =>
        (await booted.payload.count({ collection: 'notes', locale: 'all', where: where as Where }))
          .totalDocs
      expect(await count(dynamo)).toBe(await count(sqlite))
    },
  )

  test('a locale the config lacks reads no index of it: every document, as db-sqlite', async () => {
    const page = async (booted: Booted, where: Where = {}) => {
      const found = await booted.payload.find({
        collection: 'notes',
        depth: 0,
        limit: 3,
        locale: 'fr' as never,
        sort: 'headline',
        where,
      })
      return { seqs: found.docs.map((doc) => doc.seq), totalDocs: found.totalDocs }
    }
    for (const where of [{}, { headline: { equals: null } }] as Where[]) {
      const expected = await page(sqlite, where)
      expect(expected.totalDocs).toBeGreaterThan(0)
      expect(await page(dynamo, where)).toEqual(expected)
    }
  })

  test('the documents a locale-only-by-another-field match bring are db-sqlite’s', async () => {
    // Seq 1 (de by tagline) and 3 (de by a group) match `headline: null` in de; 2 has no de.
    expect(await seqs(sqlite, { headline: { equals: null } }, true)).toEqual([1, 3, 7])
    expect(await seqs(dynamo, { headline: { equals: null } }, true)).toEqual([1, 3, 7])
  })
})
