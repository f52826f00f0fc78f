/**
 * A field's type changed in the config over stored documents (text → number, number → text,
 * text → date, `hasMany` on or off, localized → not): the stored values keep their old type
 * until they are saved again. An index built over them must not answer otherwise than the
 * documents do: its keys coerced '5' to 5 and split an old list into values, while the
 * documents compare as stored, so a page of `score equals 5` held no document with
 * `totalDocs: 2`, and ranges and sorts depended on the plan. Here every answer through the
 * index is the answer from the documents held in memory, `totalDocs` and `count` agree with
 * the page, and `verifyIndexes` is clean.
 */
import type { Config, DatabaseAdapterObj, Field, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'

import { bootOnTable } from '../support/bootPayload.js'
import { adapterOf } from '../support/leasedPosts.js'

const configOf =
  (fields: Field[], localized = false) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      { slug: 'cats', fields: [{ name: 'name', type: 'text' }] },
      { slug: 'posts', fields: [{ name: 'title', type: 'text' }, ...fields] },
    ],
    db,
    ...(localized ? { localization: { defaultLocale: 'en', locales: ['en', 'de'] } } : {}),
    secret: 'type-changes',
    telemetry: false,
  })

type Change = {
  before: Field[]
  after: Field[]
  /** Localization on before the change (the field was localized). */
  localizedBefore?: boolean
  /** Creates the documents under `before` (`cats`: two category ids). */
  seed: (payload: Payload, cats: (number | string)[]) => Promise<void>
  wheres: (cats: (number | string)[]) => Where[]
  sorts: string[]
  /** Whether the index is built over the stored documents (no value of another type). */
  built: boolean
  /** Titles some conditions must match (by position in `wheres`), whatever the plan. */
  expected?: Record<number, string[]>
}

const create = (payload: Payload, data: Record<string, unknown>) =>
  payload.create({ collection: 'posts', data: data as never })

const changes: Record<string, Change> = {
  'text to number': {
    built: false,
    before: [{ name: 'score', type: 'text', index: true }],
    after: [{ name: 'score', type: 'number', index: true }],
    seed: async (payload) => {
      for (const score of ['5', '5', '7', 'abc', null, '10']) {
        await create(payload, { score, title: `t${score}` })
      }
    },
    // Stored text is not the number it spells (db-mongodb's strict types).
    expected: { 0: [], 1: [], 4: ['t10', 't5', 't5', 't7', 'tabc'], 5: ['tnull'] },
    sorts: ['score', '-score'],
    wheres: (): Where[] => [
      { score: { equals: 5 } },
      { score: { in: [5, 7] } },
      { score: { greater_than: 4 } },
      { score: { less_than_equal: 100 } },
      { score: { exists: true } },
      { score: { equals: null } },
    ],
  },
  'number to text': {
    built: false,
    before: [{ name: 'code', type: 'number', index: true }],
    after: [{ name: 'code', type: 'text', index: true }],
    seed: async (payload) => {
      for (let i = 0; i < 8; i++) {
        await create(payload, { code: i % 4, title: `c${i}` })
      }
    },
    sorts: ['-code'],
    wheres: (): Where[] => [
      { code: { equals: '1' } },
      { code: { in: ['1', '2'] } },
      { code: { greater_than: '1' } },
      { code: { exists: true } },
    ],
  },
  'text to date': {
    built: false,
    before: [{ name: 'when', type: 'text', index: true }],
    after: [{ name: 'when', type: 'date', index: true }],
    seed: async (payload) => {
      const whens = ['2024-01-01T00:00:00.000Z', '2024-06-01', 'soon', '2025-01-01T00:00:00.000Z']
      for (let i = 0; i < 8; i++) {
        await create(payload, { title: `w${i}`, when: whens[i % 4] })
      }
    },
    sorts: ['-when'],
    wheres: (): Where[] => [
      { when: { greater_than: '2024-03-01T00:00:00.000Z' } },
      { when: { less_than: '2030-01-01T00:00:00.000Z' } },
      { when: { equals: '2024-01-01T00:00:00.000Z' } },
      { when: { exists: true } },
    ],
  },
  'a date left empty': {
    built: true,
    before: [{ name: 'day', type: 'date', index: true }],
    after: [{ name: 'day', type: 'date', index: true }],
    seed: async (payload) => {
      for (const day of ['2024-01-01T00:00:00.000Z', '', '2024-02-01T00:00:00.000Z']) {
        await create(payload, { day, title: `d${day.slice(5, 7)}` })
      }
    },
    sorts: ['day', '-day'],
    // Not a type change: the index is built and lists the empty one (its `exists` and ranges
    // are another matter: the index keys '' as null, the documents compare it as text).
    wheres: (): Where[] => [{ day: { equals: '2024-01-01T00:00:00.000Z' } }],
  },
  'hasMany to single': {
    built: false,
    before: [
      { name: 'kind', type: 'select', hasMany: true, index: true, options: ['a', 'b', 'c'] },
      { name: 'cat', type: 'relationship', hasMany: true, index: true, relationTo: 'cats' },
    ],
    after: [
      { name: 'kind', type: 'select', index: true, options: ['a', 'b', 'c'] },
      { name: 'cat', type: 'relationship', index: true, relationTo: 'cats' },
    ],
    seed: async (payload, cats) => {
      for (let i = 0; i < 3; i++) {
        await create(payload, { cat: cats, kind: ['a', 'b'], title: `ab${i}` })
      }
      for (let i = 0; i < 2; i++) {
        await create(payload, { cat: [cats[1]], kind: ['c'], title: `c${i}` })
      }
    },
    sorts: ['kind'],
    wheres: (cats): Where[] => [
      { kind: { equals: 'a' } },
      { kind: { in: ['a', 'c'] } },
      { kind: { equals: 'c' } },
      { cat: { equals: cats[0] } },
      { cat: { in: cats } },
      { cat: { exists: true } },
    ],
  },
  'single to hasMany': {
    built: true,
    before: [
      { name: 'kind', type: 'select', index: true, options: ['a', 'b', 'c'] },
      { name: 'tag', type: 'text', index: true },
      { name: 'num', type: 'number', index: true },
    ],
    after: [
      { name: 'kind', type: 'select', hasMany: true, index: true, options: ['a', 'b', 'c'] },
      { name: 'tag', type: 'text', hasMany: true, index: true },
      { name: 'num', type: 'number', hasMany: true, index: true },
    ],
    seed: async (payload) => {
      for (let i = 0; i < 6; i++) {
        await create(payload, {
          kind: ['a', 'b', 'c'][i % 3],
          num: i % 3,
          tag: `red${i % 2}`,
          title: `s${i}`,
        })
      }
    },
    // A value stored before is one element of the list now, as db-mongodb matches it.
    expected: {
      0: ['s0', 's3'],
      1: ['s0', 's2', 's3', 's5'],
      2: ['s0', 's1', 's2', 's3', 's4', 's5'],
      3: [],
      4: ['s1', 's3', 's5'],
      5: ['s0', 's2', 's4'],
      6: ['s2', 's5'],
      7: ['s1', 's2', 's4', 's5'],
    },
    sorts: [],
    wheres: (): Where[] => [
      { kind: { equals: 'a' } },
      { kind: { in: ['a', 'c'] } },
      { kind: { exists: true } },
      { kind: { exists: false } },
      { tag: { equals: 'red1' } },
      { tag: { contains: 'red0' } },
      { num: { equals: 2 } },
      { num: { greater_than: 0 } },
    ],
  },
  'localized to not': {
    built: false,
    before: [{ name: 'rank', type: 'number', index: true, localized: true }],
    after: [{ name: 'rank', type: 'number', index: true }],
    localizedBefore: true,
    seed: async (payload) => {
      for (let i = 0; i < 6; i++) {
        await payload.create({
          collection: 'posts',
          data: { rank: i, title: `r${i}` },
          locale: 'en',
        })
      }
    },
    sorts: ['-rank'],
    wheres: (): Where[] => [
      { rank: { greater_than: 2 } },
      { rank: { equals: 1 } },
      { rank: { exists: true } },
    ],
  },
}

/** One condition's answer: the page's titles, its `totalDocs` and the count. */
async function answer(payload: Payload, where: Where) {
  const page = await payload.find({
    collection: 'posts',
    depth: 0,
    limit: 100,
    sort: 'title',
    where,
  })
  const { totalDocs: counted } = await payload.count({ collection: 'posts', where })
  return { counted, titles: page.docs.map((doc) => doc.title), totalDocs: page.totalDocs }
}

describe.each(Object.entries(changes))(
  'a field changed %s over stored documents',
  (_name, change) => {
    const tableName = `type-changes-${randomUUID()}`
    const started: Payload[] = []
    let cats: (number | string)[] = []
    let indexed: Payload
    let held: Payload

    beforeAll(async () => {
      const first = await bootOnTable(configOf(change.before, change.localizedBefore), tableName, {
        readCache: false,
      })
      cats = []
      for (const name of ['c0', 'c1']) {
        cats.push((await first.create({ collection: 'cats', data: { name } })).id)
      }
      await change.seed(first, cats)
      await first.destroy()
      indexed = await bootOnTable(configOf(change.after), tableName, {
        buildIndexes: true,
        readCache: false,
      })
      held = await bootOnTable(configOf(change.after), tableName)
      started.push(indexed, held)
    })

    afterAll(async () => {
      for (const payload of started) {
        await payload.destroy()
      }
    })

    it('answers through the index as the documents do, totals agreeing with the page', async () => {
      let matched = 0
      for (const [position, where] of change.wheres(cats).entries()) {
        const fromMemory = await answer(held, where)
        const through = await answer(indexed, where)
        expect({ where, ...through }).toEqual({ where, ...fromMemory })
        expect({ where, counted: through.counted, totalDocs: through.totalDocs }).toEqual({
          where,
          counted: through.titles.length,
          totalDocs: through.titles.length,
        })
        const expected = change.expected?.[position]
        if (expected) {
          expect({ where, titles: through.titles }).toEqual({ where, titles: expected })
        }
        matched += through.titles.length
      }
      expect(matched).toBeGreaterThan(0)
    })

    it('sorts through the index as the documents do', async () => {
      for (const sort of change.sorts) {
        const titles = async (payload: Payload) =>
          (await payload.find({ collection: 'posts', depth: 0, limit: 3, sort })).docs.map(
            (doc) => doc.title,
          )
        expect({ sort, titles: await titles(indexed) }).toEqual({
          sort,
          titles: await titles(held),
        })
      }
    })

    it(change.built ? 'builds the index' : 'stops the build, naming the documents', async () => {
      const { pending } = await adapterOf(indexed).syncIndexes({ dryRun: true })
      expect(pending.length === 0).toBe(change.built)
      if (!change.built) {
        await expect(adapterOf(indexed).syncIndexes()).rejects.toThrow(
          /hold a value of .* in another type than the field has now/,
        )
      }
    })

    it('verifies clean', async () => {
      const report = await adapterOf(indexed).verifyIndexes({ collection: 'posts' })
      expect(report.clean).toBe(true)
    })
  },
)
