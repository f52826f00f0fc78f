/**
 * Localized values in lists under `locale: 'all'`.
 *
 * A localized list (array, blocks): db-sqlite joins the list's rows of
 * every locale, so a locale whose list holds no rows adds none. A document saved in another
 * locale without touching the list stores `null` there (`{ en: [...], es: null }`), and that
 * locale added a row with no value here: `larr.lbl exists: false`, `equals: null` and
 * `not_equals` matched a document whose only rows all hold a value.
 *
 * Localized fields of a row (of an array that is not localized itself) are one locales table in
 * db-sqlite, joined once per row: conditions on two of them meet in the same locale. Each was
 * joined on its own, so `label = 'a'` in en and `code = 'b'` in es matched together.
 *
 * Compared with db-sqlite, held in memory and through the indexes.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { againstSqlite } from '../support/againstSqlite.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text', localized: true },
        { name: 'larr', type: 'array', fields: [{ name: 'lbl', type: 'text' }], localized: true },
        {
          name: 'arr',
          type: 'array',
          fields: [
            { name: 'label', type: 'text', localized: true },
            { name: 'code', type: 'text', localized: true },
            {
              name: 'grp',
              type: 'group',
              fields: [{ name: 'inner', type: 'text', localized: true }],
            },
          ],
        },
        {
          name: 'layout',
          type: 'blocks',
          blocks: [
            { slug: 'quote', fields: [{ name: 'text', type: 'text', localized: true }] },
            { slug: 'cta', fields: [{ name: 'cue', type: 'text', localized: true }] },
          ],
        },
        {
          name: 'lblocks',
          type: 'blocks',
          blocks: [{ slug: 'b', fields: [{ name: 'v', type: 'text' }] }],
          localized: true,
        },
      ],
    },
  ],
  db,
  localization: { defaultLocale: 'en', locales: ['en', 'es'] },
  secret: 'all-locales-lists',
  telemetry: false,
  typescript: { autoGenerate: false },
})

async function seed(payload: Payload): Promise<void> {
  // p1: lists in en only, then saved in es without them (null there).
  const p1 = await payload.create({
    collection: 'posts',
    data: { lblocks: [{ blockType: 'b', v: 'v1' }], larr: [{ lbl: 'l1' }], title: 'p1' },
    locale: 'en',
  })
  await payload.update({ id: p1.id, collection: 'posts', data: { title: 'p1 es' }, locale: 'es' })
  // p2: a row without a value in en.
  await payload.create({
    collection: 'posts',
    data: { lblocks: [{ blockType: 'b' }], larr: [{}], title: 'p2' },
    locale: 'en',
  })
  // p3: rows in both locales.
  const p3 = await payload.create({
    collection: 'posts',
    data: { lblocks: [{ blockType: 'b', v: 'v3' }], larr: [{ lbl: 'l3' }], title: 'p3' },
    locale: 'en',
  })
  await payload.update({
    id: p3.id,
    collection: 'posts',
    data: { lblocks: [{ blockType: 'b', v: 'w3' }], larr: [{ lbl: 'm3' }] },
    locale: 'es',
  })
  // p4: no lists at all.
  await payload.create({ collection: 'posts', data: { title: 'p4' }, locale: 'en' })
  // p5, p6: a row with localized fields (one in a group), saved in en and es.
  for (const [title, en, es] of [
    [
      'p5',
      { code: 'x', grp: { inner: 'x' }, label: 'a' },
      { code: 'b', grp: { inner: 'b' }, label: 'x' },
    ],
    [
      'p6',
      { code: 'b', grp: { inner: 'b' }, label: 'a' },
      { code: 'y', grp: { inner: 'y' }, label: 'y' },
    ],
  ] as const) {
    const doc = await payload.create({
      collection: 'posts',
      data: { arr: [en], title },
      locale: 'en',
    })
    const rowID = (doc.arr as { id: string }[])[0]?.id
    await payload.update({
      id: doc.id,
      collection: 'posts',
      data: { arr: [{ id: rowID, ...es }] },
      locale: 'es',
    })
  }
  // p7: a quote in en and a cta in es (rows of two block types); p8: a cta only.
  const p7 = await payload.create({
    collection: 'posts',
    data: {
      layout: [
        { blockType: 'quote', text: 'a' },
        { blockType: 'cta', cue: 'x' },
      ],
      title: 'p7',
    },
    locale: 'en',
  })
  const [quote, cta] = p7.layout as { id: string }[]
  await payload.update({
    id: p7.id,
    collection: 'posts',
    data: {
      layout: [
        { id: quote?.id, blockType: 'quote', text: 'q' },
        { id: cta?.id, blockType: 'cta', cue: 'b' },
      ],
    },
    locale: 'es',
  })
  await payload.create({
    collection: 'posts',
    data: { layout: [{ blockType: 'cta', cue: 'b' }], title: 'p8' },
    locale: 'en',
  })
}

const WHERES: Where[] = [
  { 'larr.lbl': { exists: false } },
  { 'larr.lbl': { equals: null } },
  { 'larr.lbl': { not_equals: 'l1' } },
  { 'larr.lbl': { exists: true } },
  { 'lblocks.v': { exists: false } },
  { 'lblocks.v': { not_equals: 'v1' } },
  // One row's localized fields are one locale's row in db-sqlite: matched in the same locale.
  { and: [{ 'arr.label': { equals: 'a' } }, { 'arr.code': { equals: 'b' } }] },
  { and: [{ 'arr.label': { equals: 'x' } }, { 'arr.code': { equals: 'b' } }] },
  { and: [{ 'arr.label': { equals: 'a' } }, { 'arr.code': { not_equals: 'x' } }] },
  // A group of the row is in the row's locales table too.
  { and: [{ 'arr.label': { equals: 'a' } }, { 'arr.grp.inner': { equals: 'b' } }] },
  { and: [{ 'arr.label': { equals: 'a' } }, { 'arr.grp.inner': { equals: 'x' } }] },
  // Rows of two block types are two tables, each with its own locales.
  { and: [{ 'layout.text': { equals: 'a' } }, { 'layout.cue': { equals: 'b' } }] },
  { or: [{ 'layout.text': { equals: 'zzz' } }, { 'layout.cue': { equals: 'b' } }] },
]

const answer = async ({ payload }: Booted, where: Where) => {
  const found = await payload.find({
    collection: 'posts',
    depth: 0,
    locale: 'all',
    pagination: false,
    where,
  })
  const counted = await payload.count({ collection: 'posts', locale: 'all', where })
  return {
    count: counted.totalDocs,
    titles: found.docs.map((doc) => (doc.title as Record<string, string>).en).sort(),
  }
}

againstSqlite("localized lists under locale 'all'", config, seed, (dynamo, sqlite) => {
  it.each(WHERES.map((where) => [JSON.stringify(where), where] as const))(
    '%s matches what db-sqlite matches',
    async (_label, where) => {
      expect(await answer(dynamo().booted, where)).toEqual(await answer(sqlite().booted, where))
    },
  )
})
