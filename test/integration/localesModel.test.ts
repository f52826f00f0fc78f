/**
 * Localized fields against a reference: the same seeded operations (creates and updates in one
 * locale, a localized unique value, deletes, reads with and without fallback) run on this adapter
 * and on db-sqlite with its transactions on. Every operation's outcome and, after each, what
 * readers see in each locale and in all locales must be the same; `verifyIndexes` clean at the end.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootBoth, type Booted, closeAll } from '../support/bootPayload.js'
import { playSeeded } from '../support/modelSteps.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'articles',
        fields: [
          // Unique per created document: names it across adapters (ids differ).
          { name: 'label', type: 'text', index: true },
          { name: 'title', type: 'text', index: true, localized: true },
          { name: 'code', type: 'text', localized: true, unique: true },
          { name: 'rank', type: 'number', index: true },
        ],
      },
    ],
    db,
    localization: { defaultLocale: 'en', fallback: true, locales: ['en', 'es', 'de'] },
    secret: 'locales-model-secret',
    telemetry: false,
  }
}

const LOCALES = ['en', 'es', 'de'] as const
const CODES = ['c1', 'c2', 'c3', 'c4']
const TITLES = ['one', 'two', 'three']
const OPERATIONS = 90

type Locale = (typeof LOCALES)[number]
type Article = {
  code?: null | Record<string, unknown> | string
  id: number | string
  label: string
  rank?: null | number
  title?: null | Record<string, unknown> | string
}
type Lane = { ids: Map<string, number | string>; payload: Payload }
type Step = { describe: string; run: (lane: Lane) => Promise<string> }

const text = (value: unknown) =>
  value === null || value === undefined
    ? '-'
    : typeof value === 'object'
      ? // With locale 'all', db-sqlite gives null for a locale whose row exists (another field
        // has a value in it); this adapter, like db-mongodb, leaves the locale out.
        JSON.stringify(
          Object.fromEntries(
            Object.entries(value)
              .filter(([, each]) => each !== null)
              .sort(),
          ),
        )
      : String(value)
const show = (doc: Article) => `${doc.label}|${text(doc.title)}|${text(doc.code)}|${text(doc.rank)}`

/** What readers see, comparable across adapters. */
async function views(lane: Lane): Promise<string[]> {
  const out: string[] = []
  for (const locale of [...LOCALES, 'all'] as const) {
    for (const fallback of locale === 'all' ? [true] : [true, false]) {
      const found = await lane.payload.find({
        collection: 'articles',
        depth: 0,
        fallbackLocale: fallback ? undefined : false,
        locale,
        pagination: false,
        sort: 'label',
      })
      out.push(
        `${locale}${fallback ? '' : ' (no fallback)'}: ${(found.docs as unknown as Article[]).map(show).join(', ')}`,
      )
    }
  }
  return out
}

function drawStep(random: () => number, labels: string[], next: () => string): Step {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const locale: Locale = pick(LOCALES)
  const roll = random()
  if (roll < 0.25 || labels.length === 0) {
    const data = {
      code: random() < 0.3 ? null : pick(CODES),
      label: next(),
      rank: Math.floor(random() * 10),
      title: pick(TITLES),
    }
    return {
      describe: `create in ${locale} ${JSON.stringify(data)}`,
      run: async (lane) => {
        const doc = (await lane.payload.create({
          collection: 'articles',
          data,
          locale,
        })) as unknown as Article
        lane.ids.set(doc.label, doc.id)
        return show(doc)
      },
    }
  }
  if (roll < 0.65) {
    const label = pick(labels)
    const data: Record<string, unknown> = {}
    if (random() < 0.6) {
      data.title = random() < 0.15 ? null : pick(TITLES)
    }
    if (random() < 0.5) {
      data.code = random() < 0.3 ? null : pick(CODES)
    }
    if (random() < 0.3 || Object.keys(data).length === 0) {
      data.rank = Math.floor(random() * 10)
    }
    return {
      describe: `update ${label} in ${locale} ${JSON.stringify(data)}`,
      run: async (lane) =>
        show(
          (await lane.payload.update({
            id: lane.ids.get(label)!,
            collection: 'articles',
            data,
            locale,
          })) as unknown as Article,
        ),
    }
  }
  if (roll < 0.92) {
    const where: Where =
      random() < 0.5
        ? { title: { equals: pick(TITLES) } }
        : { or: [{ code: { exists: random() < 0.5 } }, { rank: { less_than: 3 } }] }
    const sort = pick(['title', '-title', 'code', '-rank'])
    return {
      describe: `find in ${locale} ${JSON.stringify(where)} sort ${sort}`,
      run: async (lane) => {
        const found = await lane.payload.find({
          collection: 'articles',
          depth: 0,
          limit: 4,
          locale,
          sort: [sort, 'label'],
          where,
        })
        const counted = await lane.payload.count({ collection: 'articles', locale, where })
        return `${found.totalDocs}/${counted.totalDocs}: ${(found.docs as unknown as Article[]).map(show).join(', ')}`
      },
    }
  }
  const label = pick(labels)
  return {
    describe: `delete ${label}`,
    run: async (lane) =>
      show(
        (await lane.payload.delete({
          id: lane.ids.get(label)!,
          collection: 'articles',
        })) as unknown as Article,
      ),
  }
}

describe('localized fields, step by step against db-sqlite with transactions', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, {}, { transactions: true })
  })

  afterAll(() => closeAll(dynamo, sqlite))

  it(`${OPERATIONS} seeded operations: every outcome and every view equal`, async () => {
    const lanes: Lane[] = [dynamo, sqlite].map(({ payload }) => ({ ids: new Map(), payload }))
    let serial = 0
    const next = () => `a${String(++serial).padStart(3, '0')}`
    const { differences, outcomes } = await playSeeded({
      defaultSeed: 20261204,
      // Over the documents stored before the step (db-sqlite's, the reference).
      draw: async (random) => {
        const all = await sqlite.payload.find({
          collection: 'articles',
          depth: 0,
          pagination: false,
          sort: 'label',
        })
        return drawStep(
          random,
          (all.docs as unknown as Article[]).map((doc) => doc.label),
          next,
        )
      },
      lanes: lanes as [Lane, Lane],
      operations: OPERATIONS,
      views,
    })
    expect(differences).toEqual([])
    expect(outcomes.filter((each) => each === 'ok').length).toBeGreaterThan(OPERATIONS / 2)
    expect(outcomes.filter((each) => each === 'ValidationError').length).toBeGreaterThan(2)
    expect(
      await (dynamo.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
        collection: 'articles',
      }),
    ).toMatchObject({ clean: true })
  })
})
