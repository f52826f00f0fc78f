/**
 * Drafts and versions against a reference: the same seeded operations (drafts saved, published,
 * unpublished, a unique value moved between documents, deletes, the previous version restored)
 * run on this adapter and on db-sqlite with its transactions on. Every operation's outcome and,
 * after each, what readers see (published and draft views, version counts and the latest
 * version of each document) must be the same; `verifyIndexes` clean at the end.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootBoth, type Booted, closeAll } from '../support/bootPayload.js'
import { playSeeded } from '../support/modelSteps.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'pages',
        fields: [
          // Unique per created document: names it across adapters (ids differ).
          { name: 'label', type: 'text', index: true },
          { name: 'title', type: 'text', index: true },
          { name: 'code', type: 'text', unique: true },
        ],
        versions: { drafts: true, maxPerDoc: 4 },
      },
    ],
    db,
    secret: 'drafts-model-secret',
    telemetry: false,
  }
}

const CODES = ['c1', 'c2', 'c3', 'c4', 'c5']
const TITLES = ['alpha', 'beta', 'gamma']
const OPERATIONS = 90

type Page = {
  _status?: null | string
  code?: null | string
  id: number | string
  label: string
  title?: null | string
}
type Lane = { ids: Map<string, number | string>; payload: Payload }
type Step = { describe: string; run: (lane: Lane) => Promise<string> }

const show = (doc: Page) =>
  `${doc.label}|${doc.title ?? '-'}|${doc.code ?? '-'}|${doc._status ?? '-'}`

/** What readers see, comparable across adapters. */
async function views(lane: Lane): Promise<string[]> {
  const published = await lane.payload.find({
    collection: 'pages',
    depth: 0,
    pagination: false,
    sort: 'label',
  })
  const drafts = await lane.payload.find({
    collection: 'pages',
    depth: 0,
    draft: true,
    pagination: false,
    sort: 'label',
  })
  const byTitle = await Promise.all(
    TITLES.map(async (title) => {
      const where = { title: { equals: title } }
      const counted = await lane.payload.count({ collection: 'pages', where })
      const found = await lane.payload.find({ collection: 'pages', depth: 0, limit: 2, where })
      return `${title}=${counted.totalDocs}/${found.totalDocs}`
    }),
  )
  const versions = await Promise.all(
    (drafts.docs as unknown as Page[]).map(async (doc) => {
      const all = await lane.payload.findVersions({
        collection: 'pages',
        depth: 0,
        pagination: false,
        where: { parent: { equals: doc.id } },
      })
      const latest = all.docs.filter((version) => version.latest)
      const shown = latest.map((version) => show(version.version as unknown as Page))
      return `${doc.label}: ${all.totalDocs} versions, latest ${shown.join(' + ')}`
    }),
  )
  return [
    `published: ${(published.docs as unknown as Page[]).map(show).join(', ')}`,
    `drafts: ${(drafts.docs as unknown as Page[]).map(show).join(', ')}`,
    byTitle.join(' '),
    ...versions,
  ]
}

function drawStep(random: () => number, labels: string[], next: () => string): Step {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!
  const roll = random()
  if (roll < 0.25 || labels.length === 0) {
    const draft = random() < 0.5
    const data = {
      code: random() < 0.3 ? null : pick(CODES),
      label: next(),
      title: pick(TITLES),
      ...(draft ? {} : { _status: 'published' as const }),
    }
    return {
      describe: `create ${draft ? 'draft' : 'published'} ${JSON.stringify(data)}`,
      run: async (lane) => {
        const doc = (await lane.payload.create({
          collection: 'pages',
          data,
          draft,
        })) as unknown as Page
        lane.ids.set(doc.label, doc.id)
        return show(doc)
      },
    }
  }
  const label = pick(labels)
  if (roll < 0.8) {
    // Save a draft, publish, or unpublish, changing the title and sometimes the code.
    const mode = pick(['draft', 'publish', 'unpublish'] as const)
    const data: Record<string, unknown> = { title: pick(TITLES) }
    if (random() < 0.4) {
      data.code = random() < 0.3 ? null : pick(CODES)
    }
    if (mode !== 'draft') {
      data._status = mode === 'publish' ? 'published' : 'draft'
    }
    return {
      describe: `${mode} ${label} ${JSON.stringify(data)}`,
      run: async (lane) =>
        show(
          (await lane.payload.update({
            id: lane.ids.get(label)!,
            collection: 'pages',
            data,
            draft: mode === 'draft',
          })) as unknown as Page,
        ),
    }
  }
  if (roll < 0.9) {
    return {
      describe: `restore the version before the latest of ${label}`,
      run: async (lane) => {
        const versions = await lane.payload.findVersions({
          collection: 'pages',
          depth: 0,
          limit: 2,
          sort: '-createdAt',
          where: { parent: { equals: lane.ids.get(label)! } },
        })
        const previous = versions.docs[1]
        if (!previous) {
          return 'no earlier version'
        }
        const restored = await lane.payload.restoreVersion({
          id: previous.id,
          collection: 'pages',
          depth: 0,
        })
        return show(restored as unknown as Page)
      },
    }
  }
  return {
    describe: `delete ${label}`,
    run: async (lane) =>
      show(
        (await lane.payload.delete({
          id: lane.ids.get(label)!,
          collection: 'pages',
        })) as unknown as Page,
      ),
  }
}

describe('drafts and versions, step by step against db-sqlite with transactions', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, {}, { transactions: true })
  })

  afterAll(() => closeAll(dynamo, sqlite))

  it(`${OPERATIONS} seeded operations: every outcome and every view equal`, async () => {
    const lanes: Lane[] = [dynamo, sqlite].map(({ payload }) => ({ ids: new Map(), payload }))
    let serial = 0
    const next = () => `p${String(++serial).padStart(3, '0')}`
    const { differences, outcomes } = await playSeeded({
      defaultSeed: 3122026,
      // Over the documents stored before the step (db-sqlite's, the reference).
      draw: async (random) => {
        const drafts = await sqlite.payload.find({
          collection: 'pages',
          depth: 0,
          draft: true,
          pagination: false,
          sort: 'label',
        })
        return drawStep(
          random,
          (drafts.docs as unknown as Page[]).map((doc) => doc.label),
          next,
        )
      },
      lanes: lanes as [Lane, Lane],
      operations: OPERATIONS,
      views,
    })
    expect(differences).toEqual([])
    // Both paths are compared: successes and taken unique values.
    expect(outcomes.filter((each) => each === 'ok').length).toBeGreaterThan(OPERATIONS / 2)
    expect(outcomes.filter((each) => each === 'ValidationError').length).toBeGreaterThan(2)
    expect(
      await (dynamo.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
        collection: 'pages',
      }),
    ).toMatchObject({ clean: true })
  })
})
