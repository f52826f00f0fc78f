/**
 * An index added to a multi-valued field that already holds values: a localized array's field
 * (entries per locale) and a `hasMany` number field. Once the index is built, queries it serves
 * answer as db-sqlite does (in each locale), `verifyIndexes` is clean (entries and value counts),
 * and writes after the build keep both so.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { boot, type Booted, bootOnTable, closeAll } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'
import { seeded } from '../support/workload.js'

const configOf =
  (indexed: boolean) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'seq', type: 'number' },
          { name: 'headline', type: 'text', localized: true },
          {
            name: 'notes',
            type: 'array',
            localized: true,
            fields: [{ name: 'text', type: 'text', index: indexed }],
          },
          { name: 'scores', type: 'number', hasMany: true, index: indexed },
        ],
      },
    ],
    db,
    localization: { defaultLocale: 'en', locales: ['en', 'de'] },
    secret: 'multi-valued-index-added',
    telemetry: false,
  })

const TEXTS = ['alpha', 'beta', 'Beta', 'gamma', '']
const SCORES = [-2, 0, 1, 3, 7, 10]
const RARE_SEQ = 17

/** Seeded saves: a document in en, and (mostly) its notes in de; the same on every database. */
function saves(count: number) {
  const next = seeded(20261205)
  const pick = <T>(values: T[]): T => values[Math.floor(next() * values.length)]
  const notes = () =>
    Array.from({ length: Math.floor(next() * 3) }, () => ({
      text: next() < 0.15 ? null : pick(TEXTS),
    }))
  return Array.from({ length: count }, (_, seq) => ({
    // One document holds a value no other has: its queries are selective enough for the index.
    de:
      seq === RARE_SEQ
        ? { notes: [{ text: 'selten' }] }
        : next() < 0.7
          ? { notes: notes() }
          : undefined,
    en: {
      headline: `h${seq}`,
      notes: notes(),
      scores: seq === RARE_SEQ ? [99] : SCORES.filter(() => next() < 0.3),
      seq,
    },
  }))
}

type Save = ReturnType<typeof saves>[number]

async function save(payload: Payload, each: Save): Promise<void> {
  const { id } = await payload.create({ collection: 'items', data: each.en, locale: 'en' })
  if (each.de) {
    await payload.update({ id, collection: 'items', data: each.de, locale: 'de' })
  }
}

const WHERES: Where[] = [
  { 'notes.text': { equals: 'selten' } },
  { scores: { in: [99, -2] } },
  { 'notes.text': { equals: 'beta' } },
  { 'notes.text': { in: ['alpha', 'gamma'] } },
  { 'notes.text': { not_equals: 'alpha' } },
  { 'notes.text': { equals: '' } },
  { 'notes.text': { exists: true } },
  { 'notes.text': { greater_than: 'b' } },
  { scores: { equals: 3 } },
  { scores: { in: [0, 10] } },
  { scores: { greater_than_equal: 3 } },
  { scores: { less_than: 0 } },
  { and: [{ scores: { equals: 1 } }, { 'notes.text': { equals: 'alpha' } }] },
]

async function answers(payload: Payload): Promise<string[]> {
  const out: string[] = []
  for (const locale of ['en', 'de']) {
    for (const where of WHERES) {
      const page = await payload.find({
        collection: 'items',
        depth: 0,
        limit: 7,
        locale,
        sort: 'seq',
        where,
      })
      const { totalDocs } = await payload.count({ collection: 'items', locale, where })
      out.push(
        `${locale} ${JSON.stringify(where)}: ${page.totalDocs} / ${totalDocs}: ${page.docs.map((doc) => doc.seq).join(',')}`,
      )
    }
  }
  return out
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

useIndexStateMaxAge(300)

describe('an index added to a multi-valued field that holds values', () => {
  const tableName = `multi-valued-${randomUUID()}`
  let sqlite: Booted | undefined
  let indexed: Payload | undefined

  beforeAll(async () => {
    sqlite = await boot(configOf(true), 'sqlite')
    const plain = await bootOnTable(configOf(false), tableName, { readCache: false })
    for (const each of saves(40)) {
      await save(sqlite.payload, each)
      await save(plain, each)
    }
    await plain.destroy()
    // Started with the indexes in its config: development builds them on start.
    indexed = await bootOnTable(configOf(true), tableName, {
      buildIndexes: true,
      readCache: false,
    })
  })

  afterAll(async () => {
    await indexed?.destroy()
    await closeAll(sqlite)
  })

  it('answers through the new indexes as db-sqlite does, and verifies clean', async () => {
    const payload = indexed as Payload
    // Plans are chosen by cost: a condition most documents pass reads the partition.
    for (const where of [
      { 'notes.text': { equals: 'selten' } },
      { scores: { equals: 99 } },
    ] as Where[]) {
      const explained = await adapterOf(payload).explain({
        collection: 'items',
        locale: 'de',
        where,
      })
      expect(explained.plan.kind).toBe('index')
    }
    const expected = await answers((sqlite as Booted).payload)
    // Most conditions match documents in both locales (the de ones only through the build).
    expect(expected.filter((line) => !line.includes(': 0 / 0')).length).toBeGreaterThan(18)
    expect(await answers(payload)).toEqual(expected)
    const report = await adapterOf(payload).verifyIndexes({ collection: 'items' })
    expect(report.clean).toBe(true)
  })

  it('stays exact after writes in both locales over built documents', async () => {
    const payload = indexed as Payload
    const reference = (sqlite as Booted).payload
    for (const target of [payload, reference]) {
      const idOf = async (seq: number) =>
        (await target.find({ collection: 'items', limit: 1, where: { seq: { equals: seq } } }))
          .docs[0].id
      await target.update({
        id: await idOf(3),
        collection: 'items',
        data: { notes: [{ text: 'beta' }, { text: 'gamma' }], scores: [3, 10] },
        locale: 'de',
      })
      await target.update({
        id: await idOf(4),
        collection: 'items',
        data: { notes: [] },
        locale: 'en',
      })
      await target.update({
        collection: 'items',
        data: { scores: [7] },
        locale: 'en',
        where: { seq: { less_than: 10 } },
      })
      await target.delete({ id: await idOf(5), collection: 'items' })
    }
    expect(await answers(payload)).toEqual(await answers(reference))
    expect((await adapterOf(payload).verifyIndexes({ collection: 'items' })).clean).toBe(true)
  })
})
