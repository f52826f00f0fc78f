/**
 * Drafts under concurrent writers: six writers in two processes (two Payloads on one table, each
 * holding the collection in memory) save drafts, publish and unpublish the same few documents at
 * once, in either locale. No reference can say which interleaving happened, so what must hold is
 * what Payload's drafts promise whatever the order:
 * - every document has exactly one latest version, and it is its newest;
 * - the published document is one of its versions, whole (every field of one writer's save);
 * - a draft read (`draft: true`) gives what Payload's own rule picks from the stored versions
 *   (the newest draft newer than the published document, or the latest), and lists each
 *   document once. (Not "the latest version": `updatedAt` comes from each writer's clock when it
 *   computes its save, so a save that commits last may be older than the published document);
 * - versions and documents answer through indexes (a third Payload, `readCache: false`) as they
 *   do from the writers' memory, and `verifyIndexes` is clean for both.
 * A second run does the same through the fault proxy.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../../src/index.js'

import { THROUGH_INDEXES, bootOnTable } from '../support/bootPayload.js'
import { type FaultProxy, startFaultProxy } from '../support/faultProxy.js'
import { seeded as random } from '../support/workload.js'
import {
  finishCutOffWrites,
  shortenJournalGrace,
  WRITER_FAULT_RATES,
} from '../support/writerFaults.js'

const SEED = Number(process.env.DIFF_SEED ?? 20261206)
const DOCUMENTS = 5
const WRITERS_PER_PROCESS = 3
const WRITES_PER_WRITER = Number(process.env.DIFF_WRITES ?? 16)

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'pages',
        fields: [
          { name: 'doc', type: 'number', index: true },
          { name: 'title', type: 'text', index: true, localized: true },
          { name: 'writer', type: 'number', index: true },
          { name: 'step', type: 'number' },
        ],
        versions: { drafts: true, maxPerDoc: 0 },
      },
    ],
    db,
    localization: { defaultLocale: 'en', locales: ['en', 'de'] },
    secret: 'drafts-under-writers',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

type Page = {
  _status?: string
  doc: number
  id: number | string
  step?: number
  title?: string
  writer?: number
}
type Version = {
  createdAt: string
  id: number | string
  latest?: boolean
  parent: number | string
  updatedAt: string
  version: Page
}

const processes: Payload[] = []
let proxy: FaultProxy | undefined
let restoreGrace: (() => void) | undefined

afterEach(async () => {
  for (const payload of processes.splice(0)) {
    await payload.destroy()
  }
  await proxy?.close()
  proxy = undefined
  restoreGrace?.()
  restoreGrace = undefined
})

async function write(
  payload: Payload,
  id: number | string,
  writer: number,
  step: number,
  roll: number,
) {
  const locale = roll < 0.3 ? 'de' : 'en'
  const data = { step, title: `w${writer}s${step}${locale}`, writer }
  if (roll < 0.55) {
    await payload.update({ id, collection: 'pages', data, draft: true, locale })
  } else if (roll < 0.9) {
    await payload.update({
      id,
      collection: 'pages',
      data: { ...data, _status: 'published' },
      locale,
    })
  } else {
    await payload.update({ id, collection: 'pages', data: { _status: 'draft' }, locale })
  }
}

const versionsOf = async (payload: Payload, where: Where = {}) =>
  (
    await payload.findVersions({
      collection: 'pages',
      depth: 0,
      locale: 'all',
      pagination: false,
      sort: 'createdAt',
      where,
    })
  ).docs as unknown as Version[]

async function scenario(options: Partial<DynamoDBAdapterArgs>, faults: boolean): Promise<void> {
  const tableName = `drafts-writers-${randomUUID()}`
  for (const each of [options, options]) {
    processes.push(await bootOnTable(config, tableName, each))
  }
  // The reader talks to DynamoDB Local directly.
  processes.push(await bootOnTable(config, tableName, THROUGH_INDEXES))
  const [first, second, reader] = processes
  const ids: (number | string)[] = []
  for (let doc = 0; doc < DOCUMENTS; doc++) {
    const created = await first.create({
      collection: 'pages',
      data: { _status: 'published', doc, title: `d${doc}` },
    })
    ids.push(created.id)
  }

  // Faults from here on (the documents exist).
  if (faults) {
    proxy?.configure({ rates: WRITER_FAULT_RATES })
  }
  const failures: string[] = []
  await Promise.all(
    [first, second].flatMap((payload, process) =>
      Array.from({ length: WRITERS_PER_PROCESS }, async (_, index) => {
        const writer = process * WRITERS_PER_PROCESS + index
        const next = random(SEED + writer)
        for (let step = 0; step < WRITES_PER_WRITER; step++) {
          const id = ids[Math.floor(next() * DOCUMENTS)]
          try {
            await write(payload, id, writer, step, next())
          } catch (error) {
            failures.push(`${(error as Error).name}: ${(error as Error).message}`)
          }
        }
      }),
    ),
  )
  if (faults) {
    // Only Payload's own errors (a request that failed for good), and most writes made.
    expect(failures.filter((each) => !each.startsWith('APIError'))).toEqual([])
    expect(failures.length).toBeLessThan(WRITERS_PER_PROCESS * 2 * WRITES_PER_WRITER * 0.3)
    await finishCutOffWrites(proxy, reader)
  } else {
    expect(failures).toEqual([])
  }

  for (const namespace of [{}, { versions: true }]) {
    const report = await (reader.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'pages',
      ...namespace,
    })
    // The whole report when not clean (its counts and examples say what drifted).
    expect(report.clean || report).toBe(true)
  }

  for (const id of ids) {
    const versions = await versionsOf(reader, { parent: { equals: id } })
    // The creation and every write made a version (none are pruned: maxPerDoc 0).
    expect(versions.length).toBeGreaterThan(1)
    const latest = versions.filter((version) => version.latest)
    expect(latest).toHaveLength(1)
    const newest = versions.reduce((a, b) => (b.updatedAt >= a.updatedAt ? b : a))
    expect(latest[0].id).toBe(newest.id)

    // The published document is one of its versions, whole (no write torn between writers).
    const main = (await reader.findByID({
      id,
      collection: 'pages',
      depth: 0,
      locale: 'all',
    })) as unknown as Page & { updatedAt: string }
    const content = (page: Page) =>
      JSON.stringify([page.title, page.step, page.writer, page._status])
    expect(
      versions
        .filter(
          (version) => (version.version as { updatedAt?: string }).updatedAt === main.updatedAt,
        )
        .map((version) => content(version.version)),
    ).toContain(content(main))

    // The draft view is what Payload's rule picks from these versions: the newest draft newer
    // than the published document (or latest), else the published document.
    const draftVersion = versions
      .filter(
        (version) =>
          version.version._status === 'draft' &&
          (version.updatedAt > main.updatedAt || version.latest),
      )
      .reduce<undefined | Version>((a, b) => (a && a.updatedAt >= b.updatedAt ? a : b), undefined)
    const expected = draftVersion?.version ?? main
    const draft = (await reader.findByID({
      id,
      collection: 'pages',
      depth: 0,
      draft: true,
      locale: 'all',
    })) as unknown as Page
    expect(content(draft)).toBe(content(expected))
  }

  // Each document once in a draft read, on every process and through indexes.
  const draftTitles = async (payload: Payload) =>
    (
      await payload.find({
        collection: 'pages',
        depth: 0,
        draft: true,
        locale: 'en',
        pagination: false,
        sort: 'doc',
      })
    ).docs.map((page) => `${page.doc}:${page.title}:${page._status}`)
  const expectedDrafts = await draftTitles(reader)
  expect(expectedDrafts).toHaveLength(DOCUMENTS)
  expect(await draftTitles(first)).toEqual(expectedDrafts)
  expect(await draftTitles(second)).toEqual(expectedDrafts)

  // Counts and queries of versions agree between memory and indexes.
  for (const where of [
    { latest: { equals: true } },
    { 'version._status': { equals: 'draft' } },
    { 'version.writer': { in: [0, 3] } },
    { and: [{ latest: { equals: true } }, { 'version._status': { equals: 'published' } }] },
  ] as Where[]) {
    const throughIndexes = (await versionsOf(reader, where)).map((version) => version.id)
    expect((await versionsOf(first, where)).map((version) => version.id)).toEqual(throughIndexes)
    expect((await versionsOf(second, where)).map((version) => version.id)).toEqual(throughIndexes)
  }
  expect(
    (await reader.countVersions({ collection: 'pages', where: { latest: { equals: true } } }))
      .totalDocs,
  ).toBe(DOCUMENTS)
}

test('drafts saved, published and unpublished by six writers at once keep one newest latest version per document', async () => {
  await scenario({}, false)
})

test('the same through dropped connections, lost answers, throttling, 500s and transaction conflicts', async () => {
  restoreGrace = shortenJournalGrace()
  proxy = await startFaultProxy({ seed: SEED })
  await scenario({ clientConfig: proxy.clientConfig({ maxAttempts: 2 }) }, true)
  expect(proxy.counts().lostResponse + proxy.counts().drop).toBeGreaterThan(0)
})
