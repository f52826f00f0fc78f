/**
 * Globals against a reference: the same seeded operations on a localized global with drafts and
 * on a plain global (drafts saved and published in one of two locales, the previous version
 * restored) run on this adapter and on db-sqlite with its transactions on. After each, what
 * readers see (published and draft, each locale and all locales, the versions) must be the same.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { bootBoth, type Booted, closeAll } from '../support/bootPayload.js'
import { playSeeded } from '../support/modelSteps.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [],
    db,
    globals: [
      {
        slug: 'site',
        fields: [
          { name: 'title', type: 'text', localized: true },
          { name: 'motto', type: 'text' },
          { name: 'links', type: 'array', fields: [{ name: 'label', type: 'text' }] },
        ],
        versions: { drafts: true, max: 5 },
      },
      {
        slug: 'flags',
        fields: [
          { name: 'beta', type: 'checkbox' },
          { name: 'level', type: 'number' },
        ],
      },
    ],
    localization: { defaultLocale: 'en', fallback: true, locales: ['en', 'fr'] },
    secret: 'globals-model-secret',
    telemetry: false,
  }
}

const LOCALES = ['en', 'fr'] as const
const WORDS = ['north', 'south', 'east', 'west']
const OPERATIONS = 50

type Step = { describe: string; run: (payload: Payload) => Promise<string> }

/**
 * A value, comparable across adapters. With locale 'all', db-sqlite gives null for a locale whose
 * row exists but has no value (and an object of nulls); this adapter, like db-mongodb, leaves it
 * out: both read as no value.
 */
function text(value: unknown): string {
  if (value === null || value === undefined) {
    return '-'
  }
  if (Array.isArray(value)) {
    return JSON.stringify(value.map((row: { label?: unknown }) => row.label ?? '-'))
  }
  if (typeof value === 'object') {
    const present = Object.entries(value).filter(([, each]) => each !== null && each !== undefined)
    return present.length === 0 ? '-' : JSON.stringify(Object.fromEntries(present.sort()))
  }
  return String(value)
}

const showSite = (doc: Record<string, unknown>) =>
  `${text(doc.title)}|${text(doc.motto)}|${text(doc.links)}|${text(doc._status)}`

async function views(payload: Payload): Promise<string[]> {
  const out: string[] = []
  for (const locale of [...LOCALES, 'all'] as const) {
    for (const draft of [false, true]) {
      const site = await payload.findGlobal({ slug: 'site', depth: 0, draft, locale })
      out.push(`site ${locale}${draft ? ' draft' : ''}: ${showSite(site)}`)
    }
  }
  const versions = await payload.findGlobalVersions({
    slug: 'site',
    depth: 0,
    limit: 10,
    locale: 'en',
    sort: '-createdAt',
  })
  out.push(
    `site versions: ${versions.totalDocs}: ${versions.docs.map((version) => `${showSite(version.version as Record<string, unknown>)}${version.latest ? ' (latest)' : ''}`).join(', ')}`,
  )
  const flags = await payload.findGlobal({ slug: 'flags', depth: 0 })
  out.push(`flags: ${text(flags.beta)}|${text(flags.level)}`)
  return out
}

function drawStep(random: () => number): Step {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const roll = random()
  if (roll < 0.6) {
    const locale = pick(LOCALES)
    const draft = random() < 0.5
    const data: Record<string, unknown> = {}
    if (random() < 0.8) {
      data.title = pick(WORDS)
    }
    if (random() < 0.4) {
      data.motto = pick(WORDS)
    }
    if (random() < 0.3) {
      data.links = WORDS.filter(() => random() < 0.5).map((label) => ({ label }))
    }
    data._status = draft ? 'draft' : 'published'
    return {
      describe: `${draft ? 'save a draft of' : 'publish'} site in ${locale} ${JSON.stringify(data)}`,
      run: async (payload) =>
        showSite(await payload.updateGlobal({ slug: 'site', data, depth: 0, draft, locale })),
    }
  }
  if (roll < 0.75) {
    return {
      describe: 'restore the version before the latest of site',
      run: async (payload) => {
        const versions = await payload.findGlobalVersions({
          slug: 'site',
          depth: 0,
          limit: 2,
          sort: '-createdAt',
        })
        const previous = versions.docs[1]
        if (!previous) {
          return 'no earlier version'
        }
        const restored = await payload.restoreGlobalVersion({ id: previous.id, slug: 'site' })
        return showSite(restored as unknown as Record<string, unknown>)
      },
    }
  }
  const data = { beta: random() < 0.5, level: Math.floor(random() * 10) }
  return {
    describe: `update flags ${JSON.stringify(data)}`,
    run: async (payload) => {
      const flags = await payload.updateGlobal({ slug: 'flags', data, depth: 0 })
      return `${text(flags.beta)}|${text(flags.level)}`
    },
  }
}

describe('globals, step by step against db-sqlite with transactions', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, {}, { transactions: true })
  })

  afterAll(() => closeAll(dynamo, sqlite))

  it(`${OPERATIONS} seeded operations: every outcome and every view equal`, async () => {
    const { differences } = await playSeeded({
      defaultSeed: 4122026,
      draw: drawStep,
      lanes: [dynamo.payload, sqlite.payload],
      operations: OPERATIONS,
      views,
    })
    expect(differences).toEqual([])
  })
})
