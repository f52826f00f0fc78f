/**
 * Sorting on a localized field under `locale: 'all'` (no locale in the sort path): a document has
 * a value per locale, so it sorts by its smallest value ascending and its largest descending,
 * the rule Drizzle applies when a sort meets several rows of one document (`findMany`: `min` for
 * ascending, `max` for descending). A document without any value sorts as a missing value does in
 * one locale (first ascending, last descending, as in db-sqlite). db-sqlite itself is not the
 * reference here: for the locales table it takes its `selectDistinct` path, whose order depends
 * on which row of a document the distinct keeps (on the first five documents here, it sorted
 * by the largest value ascending and the smallest descending). Ties go newest first, Payload's tie-break. Held in memory and through
 * the indexes.
 */
import type { Config, DatabaseAdapterObj } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text', index: true, localized: true },
          { name: 'n', type: 'number' },
        ],
      },
    ],
    db,
    localization: { defaultLocale: 'en', fallback: true, locales: ['en', 'de', 'fr'] },
    secret: 'all-locales-sort-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

/** Per document (its `n` is its position here): its title in en, de and fr. */
const TITLES: [null | string, null | string, null | string][] = [
  ['b', 'y', null], // smallest b, largest y
  ['a', 'z', 'q'], // a, z
  ['c', null, 'a'], // a, c
  [null, 'x', 'b'], // b, x
  ['a', 'a', null], // a, a
  [null, null, null], // no value
]

async function seed({ payload }: Booted): Promise<void> {
  for (const [n, [en, de, fr]] of TITLES.entries()) {
    const { id } = await payload.create({
      collection: 'posts',
      data: { n, ...(en ? { title: en } : {}) },
      locale: 'en',
    })
    for (const [locale, title] of [
      ['de', de],
      ['fr', fr],
    ] as const) {
      if (title) {
        await payload.update({ id, collection: 'posts', data: { title }, locale })
      }
    }
  }
}

describe("sort on a localized field under locale 'all'", () => {
  const lanes = new Map<string, Booted>()
  const LANES = ['held in memory', 'through indexes']

  beforeAll(async () => {
    lanes.set(LANES[0]!, await boot(config, 'dynamodb'))
    lanes.set(LANES[1]!, await boot(config, 'dynamodb', THROUGH_INDEXES))
    for (const booted of lanes.values()) {
      await seed(booted)
    }
  })

  afterAll(() => closeAll(...lanes.values()))

  const pageOf = async (lane: string, sort: string, page: number) =>
    (
      await lanes.get(lane)!.payload.find({
        collection: 'posts',
        depth: 0,
        limit: 3,
        locale: 'all',
        page,
        sort,
      })
    ).docs.map((doc) => doc.n as number)
  /** Both pages of three: the order holds across a page boundary too. */
  const order = async (lane: string, sort: string) => [
    ...(await pageOf(lane, sort, 1)),
    ...(await pageOf(lane, sort, 2)),
  ]

  it.each(LANES)('ascending by the smallest value in any locale (%s)', async (lane) => {
    // No value first; then a (4, 2, 1, newest first), then b (3, 0).
    expect(await order(lane, 'title')).toEqual([5, 4, 2, 1, 3, 0])
  })

  it.each(LANES)('descending by the largest value in any locale (%s)', async (lane) => {
    // z (1), y (0), x (3), c (2), a (4), then no value.
    expect(await order(lane, '-title')).toEqual([1, 0, 3, 2, 4, 5])
  })

  it.each(LANES)('a locale in the sort path sorts by that locale only (%s)', async (lane) => {
    // de: a (4), x (3), y (0), z (1); no de value (2, 5) first, newest first.
    expect(await order(lane, 'title.de')).toEqual([5, 2, 4, 3, 0, 1])
  })
})
