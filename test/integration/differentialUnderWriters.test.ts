/**
 * The differential schema under concurrent writers: six writers in two processes (two Payloads
 * on one table, each holding the collections in memory) make seeded random writes at once:
 * creates, updates by id and by `where` in either locale, deletes by id and by `where`, over
 * localized, `hasMany`, array, blocks and polymorphic fields. No reference can say which
 * interleaving happened, so the documents as finally stored become the reference: they are
 * copied into db-sqlite, and random queries must then give db-sqlite's answers on both writers
 * and on a third Payload that reads through indexes and partitions, with `verifyIndexes` clean.
 */
import type { Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../../src/index.js'

import { type Booted, boot, bootOnTable, closeAll } from '../support/bootPayload.js'
import { type FaultProxy, startFaultProxy } from '../support/faultProxy.js'
import {
  answer,
  apply,
  createItem,
  describe as describeStep,
  fixture,
  itemData,
  type Lane,
  makeConfig,
  seed,
} from '../support/differential.js'
import { generator, mutations } from '../support/differentialGenerator.js'
import { distinctAnswer, distinctQuery } from '../support/differentialDistinct.js'
import { joinAnswer, joinQuery, namesMultiValued } from '../support/differentialJoins.js'
import { seeded as random } from '../support/workload.js'
import {
  finishCutOffWrites,
  shortenJournalGrace,
  WRITER_FAULT_RATES,
} from '../support/writerFaults.js'

const SEED = Number(process.env.DIFF_SEED ?? 20261205)
const WRITERS_PER_PROCESS = 3
const WRITES_PER_WRITER = Number(process.env.DIFF_WRITES ?? 25)
const QUERIES = Number(process.env.DIFF_QUERIES ?? 250)

type Stored = Record<string, unknown> & { id: number | string; seq: number }

/** The lane's view of a stored document, as the fixture's data (indexes for related ids). */
function asFixture(lane: Lane, doc: Stored): Record<string, unknown> {
  const index = (ids: (number | string)[], id: unknown) => ids.indexOf(id as never)
  const withoutIds = (rows: unknown) =>
    ((rows as Record<string, unknown>[] | undefined) ?? []).map(({ id: _id, ...row }) => row)
  const ref = doc.ref as null | { relationTo: string; value: unknown } | undefined
  const { createdAt, id: _id, updatedAt: _updatedAt, ...fields } = doc
  return {
    ...fields,
    author: doc.author ? index(lane.authors, doc.author) : null,
    blocks: withoutIds(doc.blocks),
    createdAt,
    ref: !ref
      ? null
      : ref.relationTo === 'authors'
        ? { author: index(lane.authors, ref.value) }
        : { tag: index(lane.tags, ref.value) },
    refs: ((doc.refs as { relationTo: string; value: unknown }[] | undefined) ?? []).map((each) =>
      each.relationTo === 'authors'
        ? { author: index(lane.authors, each.value) }
        : { tag: index(lane.tags, each.value) },
    ),
    rows: withoutIds(doc.rows),
    tags: ((doc.tags as unknown[] | undefined) ?? []).map((id) => index(lane.tags, id)),
  }
}

/**
 * A stored document's localized values in one locale (read with `locale: 'all'`): the text
 * fields, the localized array's rows and blocks, the named tab's keyword (with the tab's other
 * field) and the sponsor (as the fixture's author index).
 */
function localizedIn(lane: Lane, doc: Stored, locale: 'de' | 'en'): Record<string, unknown> {
  const at = (value: unknown) => (value as Record<string, unknown> | undefined)?.[locale]
  const sponsor = at(doc.sponsor)
  const seo = (doc.seo ?? {}) as { depth?: unknown; keyword?: unknown }
  const rowsIn = (value: unknown) =>
    Array.isArray(value) ? [] : ((at(value) as Record<string, unknown>[] | null) ?? [])
  const notes = rowsIn(doc.notes)
  return {
    headline: at(doc.headline) ?? null,
    notes: notes.map((row) => ({ text: row.text ?? null })),
    sections: rowsIn(doc.sections).map((row) => ({ blockType: 'note', body: row.body ?? null })),
    seo: { depth: seo.depth ?? null, keyword: at(seo.keyword) ?? null },
    sponsor: sponsor ? lane.authors.indexOf(sponsor as never) : null,
    tagline: at(doc.tagline) ?? null,
  }
}

let sqlite: Booted | undefined
const processes: Payload[] = []
let proxy: FaultProxy | undefined
let restoreGrace: (() => void) | undefined

afterEach(async () => {
  await closeAll(sqlite)
  for (const payload of processes.splice(0)) {
    await payload.destroy()
  }
  await proxy?.close()
  proxy = undefined
  restoreGrace?.()
  restoreGrace = undefined
})

/** What a writer may be told: Payload's own errors, never an SDK's or the engine's. */
const PAYLOAD_ERRORS = /^error \w+ \(payload\)/

async function scenario(writers: Lane[], reader: Payload, seeded: Lane, faults: boolean) {
  const { where } = generator(random(SEED + 1))
  const told: string[] = []
  await Promise.all(
    writers.flatMap((lane, process) =>
      Array.from({ length: WRITERS_PER_PROCESS }, async (_, index) => {
        const writer = process * WRITERS_PER_PROCESS + index
        const next = mutations(random(SEED + 10 + writer), where, 1000 + 100 * writer)
        for (let step = 0; step < WRITES_PER_WRITER; step++) {
          const mutation = next([...seeded.idOf.keys()])
          const outcome = await apply(lane, mutation)
          told.push(outcome.startsWith('error') ? `${outcome} (${describeStep(mutation)})` : 'made')
        }
      }),
    ),
  )
  // A write may meet a document another writer deleted (NotFound), the `all` that the generator
  // can put in a `where` (db-sqlite cannot answer it; this adapter can) or, through the faults,
  // a request that failed for good (APIError). Nothing else.
  const failures = told.filter((each) => each !== 'made')
  const allowed = faults ? PAYLOAD_ERRORS : /^error (NotFound|ValidationError) /
  expect(failures.filter((each) => !allowed.test(each))).toEqual([])
  expect(told.length - failures.length).toBeGreaterThan(told.length * 0.5)

  if (faults) {
    await finishCutOffWrites(proxy, reader)
  }
  const report = await (reader.db as unknown as DynamoDBAdapter).verifyIndexes({
    collection: 'items',
  })
  // The whole report when not clean (its counts and examples say what drifted).
  expect(report.clean || report).toBe(true)

  // The documents as stored, copied into db-sqlite (both locales, the same `createdAt`).
  const stored = (
    await reader.find({ collection: 'items', depth: 0, locale: 'all', pagination: false })
  ).docs as unknown as Stored[]
  // A create whose answer a fault lost is stored without its writer knowing its id.
  for (const doc of stored) {
    seeded.seqOf.set(String(doc.id), doc.seq)
  }
  // Each test has its own db-sqlite file: push the schema to each (Drizzle skips a schema it
  // pushed before in this process).
  process.env.PAYLOAD_FORCE_DRIZZLE_PUSH = 'true'
  sqlite = await boot(makeConfig, 'sqlite')
  const reference = await seed(sqlite.payload, { ...fixture(random(SEED)), items: [] })
  for (const doc of stored) {
    const data = asFixture(seeded, doc)
    const inLocale = (locale: 'de' | 'en') => localizedIn(seeded, doc, locale)
    await createItem(reference, { ...data, ...inLocale('en') })
    await sqlite.payload.update({
      id: reference.idOf.get(doc.seq) as number,
      collection: 'items',
      data: itemData(reference, inLocale('de')),
      locale: 'de',
    })
  }
  // Deletes by `where` may take many; what is left must still say something.
  expect(stored.length).toBeGreaterThan(15)

  const lanes: Record<string, Lane> = {
    first: writers[0],
    indexes: { ...seeded, payload: reader },
    second: writers[1],
  }
  const { query: nextQuery } = generator(random(SEED + 2))
  const extraRandom = random(SEED + 3)
  const differences: string[] = []
  for (let index = 0; index < QUERIES; index++) {
    const query = nextQuery()
    // Each query as a page and count; every fourth also as distinct values, and as the authors'
    // join field when db-sqlite answers it once per document (see namesMultiValued).
    const asks: [string, (lane: Lane) => Promise<string>][] = [['', (lane) => answer(lane, query)]]
    if (index % 4 === 1) {
      const distinct = distinctQuery(extraRandom, query)
      asks.push([
        ` distinct ${distinct.field}`,
        (lane) => distinctAnswer(lane, distinct, lane !== reference),
      ])
    }
    if (index % 4 === 2 && !namesMultiValued(query.where)) {
      const join = joinQuery(extraRandom, query)
      asks.push([' join', (lane) => joinAnswer(lane, join)])
    }
    for (const [kind, ask] of asks) {
      const expected = await ask(reference)
      for (const [name, lane] of Object.entries(lanes)) {
        const got = await ask(lane)
        // db-sqlite throws on `all` over a `hasMany` select; this adapter must answer it.
        if (expected.startsWith('error') ? got.startsWith('error') : got !== expected) {
          differences.push(
            `#${index} ${name}${kind}: ${describeStep(query)}\n  sqlite: ${expected}\n  ${name}: ${got}`,
          )
        }
      }
    }
  }
  expect(differences.slice(0, 10).join('\n')).toBe('')
  return failures
}

async function boot3(options: Partial<DynamoDBAdapterArgs> = {}) {
  const tableName = `differential-writers-${randomUUID()}`
  processes.push(await bootOnTable(makeConfig, tableName, options))
  processes.push(await bootOnTable(makeConfig, tableName, options))
  // The reader talks to DynamoDB Local directly.
  processes.push(await bootOnTable(makeConfig, tableName, { readCache: false }))
  const [first, second, reader] = processes
  const seeded = await seed(first, fixture(random(SEED)))
  return { reader, seeded, writers: [first, second].map((payload) => ({ ...seeded, payload })) }
}

test(`random writes from ${WRITERS_PER_PROCESS * 2} writers in two processes leave answers db-sqlite gives on the stored documents (seed ${SEED})`, async () => {
  const { reader, seeded, writers } = await boot3()
  await scenario(writers, reader, seeded, false)
})

test(`the same through dropped connections, lost answers, throttling, 500s and transaction conflicts (seed ${SEED})`, async () => {
  restoreGrace = shortenJournalGrace()
  proxy = await startFaultProxy({ seed: SEED })
  const { reader, seeded, writers } = await boot3({
    clientConfig: proxy.clientConfig({ maxAttempts: 2 }),
  })
  proxy.configure({ rates: WRITER_FAULT_RATES })
  await scenario(writers, reader, seeded, true)
  // The faults met the writes.
  expect(proxy.counts().lostResponse + proxy.counts().drop).toBeGreaterThan(0)
})
