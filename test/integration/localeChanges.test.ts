/**
 * A locale added to the config of a table that already holds documents. Documents stored before
 * have no index entries (nor value counts) in the new locale, so a localized index is not complete
 * for it: reading it would silently leave those documents out of every page and total in that
 * locale. The index's signature names its locales: in development the index is built again on
 * start, in production it is not read until a migration (`syncIndexes()`) builds it. Every answer
 * is compared with db-sqlite's after the same steps.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildConfig, getPayload } from 'payload'
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { DynamoDBAdapter } from '../../src/index.js'

import { testDynamoAdapter, THROUGH_INDEXES } from '../support/bootPayload.js'
import { setEnv } from '../support/env.js'
import { watchSends } from '../support/journalItems.js'
import { scanCount } from '../support/tableScan.js'

const config = (locales: string[], db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text', index: true, localized: true },
        { name: 'code', type: 'text', localized: true, unique: true },
        { name: 'rank', type: 'number', index: true, localized: true },
        { name: 'plain', type: 'text' },
      ],
    },
  ],
  db,
  localization: { defaultLocale: 'en', fallback: true, locales },
  secret: 'locale-changes-secret',
  telemetry: false,
  typescript: { autoGenerate: false },
})

async function start(locales: string[], db: DatabaseAdapterObj): Promise<Payload> {
  return getPayload({ config: await buildConfig(config(locales, db)), key: randomUUID() })
}

type Query = { locale: 'all' | 'de' | 'en' | 'es'; sort?: string; where: Where }

const QUERIES: Query[] = [
  { locale: 'de', where: { title: { equals: 'en-1' } } },
  { locale: 'de', where: { title: { exists: false } } },
  { locale: 'de', where: { title: { exists: true } } },
  { locale: 'de', where: { rank: { greater_than: 1 } } },
  { locale: 'de', where: { code: { equals: 'de-new' } } },
  { locale: 'de', where: { title: { in: ['de-2', 'en-3'] } } },
  { locale: 'de', sort: 'title', where: {} },
  { locale: 'de', sort: '-rank', where: {} },
  { locale: 'es', where: { title: { equals: 'es-1' } } },
  { locale: 'es', sort: 'rank', where: { rank: { less_than: 12 } } },
  { locale: 'en', where: { title: { equals: 'en-1' } } },
  { locale: 'all', where: { title: { equals: 'en-1' } } },
]

/** Every query's page (the documents' `plain`, in order) and total, and its count. */
async function answers(payload: Payload): Promise<string[]> {
  const out: string[] = []
  for (const query of QUERIES) {
    const { locale, sort, where } = query
    const page = await payload.find({
      collection: 'posts',
      depth: 0,
      limit: 20,
      locale,
      sort,
      where,
    })
    const { totalDocs } = await payload.count({ collection: 'posts', locale, where })
    out.push(
      `${JSON.stringify(query)}: ${page.totalDocs} [${page.docs.map((doc) => doc.plain).join(' ')}], count ${totalDocs}`,
    )
  }
  return out
}

/** Four posts in English and Spanish; then German is added, one post gets it, one more is created. */
async function evolve(db: () => DatabaseAdapterObj): Promise<Payload> {
  const before = await start(['en', 'es'], db())
  for (let i = 0; i < 4; i++) {
    const doc = await before.create({
      collection: 'posts',
      data: { code: `en-c${i}`, plain: `p${i}`, rank: i, title: `en-${i}` },
      locale: 'en',
    })
    await before.update({
      id: doc.id,
      collection: 'posts',
      data: { code: `es-c${i}`, rank: 10 + i, title: `es-${i}` },
      locale: 'es',
    })
  }
  await before.destroy()
  const after = await start(['en', 'es', 'de'], db())
  const { docs } = await after.find({ collection: 'posts', where: { plain: { equals: 'p2' } } })
  await after.update({
    id: docs[0]!.id,
    collection: 'posts',
    data: { code: 'de-new', rank: 5, title: 'de-2' },
    locale: 'de',
  })
  await after.create({
    collection: 'posts',
    data: { code: 'en-c9', plain: 'p9', rank: 9, title: 'en-1' },
    locale: 'en',
  })
  return after
}

async function expectClean(payload: Payload): Promise<void> {
  const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
    collection: 'posts',
  })
  expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
}

describe('a locale added to the config of a table that holds documents', () => {
  let expected: string[]
  let restoreEnv: () => void
  const opened: Payload[] = []
  const sqliteFile = join(tmpdir(), `locale-changes-${randomUUID()}.db`)

  beforeAll(async () => {
    // Drops wait twice this before deleting entries (stateFreshness.ts).
    restoreEnv = setEnv('PAYLOAD_DYNAMODB_INDEX_STATE_MAX_AGE_MS', '500')
    const restorePush = setEnv('PAYLOAD_FORCE_DRIZZLE_PUSH', 'true')
    const sqlite = await evolve(() =>
      sqliteAdapter({ client: { url: `file:${sqliteFile}` }, push: true }),
    )
    opened.push(sqlite)
    expected = await answers(sqlite)
    restorePush()
  })

  afterAll(async () => {
    await Promise.all(opened.map((payload) => payload.destroy()))
    rmSync(sqliteFile, { force: true })
    restoreEnv()
  })

  it('development: the localized indexes are built again on start, and every answer is exact', async () => {
    const table = `locales-${randomUUID()}`
    const payload = await evolve(() => testDynamoAdapter(table, THROUGH_INDEXES))
    opened.push(payload)
    expect(await answers(payload)).toEqual(expected)
    await expectClean(payload)
  })

  it('the same with small collections answered from memory', async () => {
    const table = `locales-${randomUUID()}`
    const payload = await evolve(() => testDynamoAdapter(table))
    opened.push(payload)
    expect(await answers(payload)).toEqual(expected)
    await expectClean(payload)
  })

  it('production: the indexes are not read until a migration builds them; answers are exact before and after', async () => {
    const table = `locales-${randomUUID()}`
    const payload = await evolve(() =>
      testDynamoAdapter(table, { ...THROUGH_INDEXES, buildIndexes: false }),
    )
    opened.push(payload)
    const db = payload.db as unknown as DynamoDBAdapter
    // How a query in the added locale is planned: by the index, or by reading the collection.
    const germanPlan = async () =>
      (
        await db.explain({
          collection: 'posts',
          locale: 'de',
          where: { title: { equals: 'en-1' } },
        })
      ).plan.kind
    expect(await germanPlan()).toBe('partition')
    expect(await answers(payload)).toEqual(expected)
    expect((await db.syncIndexes({ dryRun: true })).pending.sort()).toEqual([
      'posts/code',
      'posts/rank',
      'posts/title',
    ])
    // What the migration does.
    await db.syncIndexes()
    expect(await germanPlan()).toBe('index')
    expect(await answers(payload)).toEqual(expected)
    await expectClean(payload)
  })

  it('an index recorded by an earlier version (its signature without locales) is still read', async () => {
    const table = `locales-${randomUUID()}`
    const first = await start(['en', 'es'], testDynamoAdapter(table, THROUGH_INDEXES))
    await first.create({ collection: 'posts', data: { plain: 'p', title: 't' }, locale: 'en' })
    const db = first.db as unknown as DynamoDBAdapter
    // As an earlier version recorded it: every signature without its locales.
    const key = { pk: 'C#posts', sk: 'M#indexes' }
    const { Item } = await db.docClient.send(
      new GetCommand({ ConsistentRead: true, Key: key, TableName: table }),
    )
    const legacy = Object.entries(Item ?? {}).filter(
      ([name, value]) => name.startsWith('idx:') && String(value).includes('"locales"'),
    )
    expect(legacy.map(([name]) => name).sort()).toEqual(['idx:code', 'idx:rank', 'idx:title'])
    await db.docClient.send(
      new UpdateCommand({
        ExpressionAttributeNames: Object.fromEntries(legacy.map(([name], n) => [`#a${n}`, name])),
        ExpressionAttributeValues: Object.fromEntries(
          legacy.map(([, value], n) => [
            `:v${n}`,
            JSON.stringify(JSON.parse(String(value)).slice(0, -1)),
          ]),
        ),
        Key: key,
        TableName: table,
        UpdateExpression: `SET ${legacy.map((_, n) => `#a${n} = :v${n}`).join(', ')}`,
      }),
    )
    await first.destroy()
    const again = await start(
      ['en', 'es'],
      testDynamoAdapter(table, { ...THROUGH_INDEXES, buildIndexes: false }),
    )
    opened.push(again)
    const adapter = again.db as unknown as DynamoDBAdapter
    expect(await adapter.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
    const plan = await adapter.explain({
      collection: 'posts',
      locale: 'en',
      where: { title: { equals: 't' } },
    })
    expect(plan.plan.kind).toBe('index')
    expect(plan.totalDocs).toBe(1)
  })

  it('a process whose config lacks the added locale keeps its entries once another process built it', async () => {
    const table = `locales-${randomUUID()}`
    const older = await start(['en', 'es'], testDynamoAdapter(table, THROUGH_INDEXES))
    opened.push(older)
    const kept = await older.create({
      collection: 'posts',
      data: { code: 'o1', plain: 'o1', rank: 1, title: 'o1' },
      locale: 'en',
    })
    // Another process starts with German added (a rolling deploy) and builds the indexes again.
    const newer = await start(['en', 'es', 'de'], testDynamoAdapter(table, THROUGH_INDEXES))
    opened.push(newer)
    // The process of the older config goes on writing: it maintains what the table records.
    await older.create({
      collection: 'posts',
      data: { code: 'o2', plain: 'o2', rank: 2, title: 'o2' },
      locale: 'en',
    })
    await older.update({
      id: kept.id,
      collection: 'posts',
      data: { rank: 11, title: 'o1-es' },
      locale: 'es',
    })
    const page = await newer.find({
      collection: 'posts',
      depth: 0,
      locale: 'de',
      sort: '-rank',
      where: {},
    })
    expect(page.docs.map((doc) => doc.plain).sort()).toEqual(['o1', 'o2'])
    expect(page.totalDocs).toBe(2)
    const nullTitles = await newer.count({
      collection: 'posts',
      locale: 'de',
      where: { title: { exists: false } },
    })
    expect(nullTitles.totalDocs).toBe(2)
    const spanish = await newer.find({
      collection: 'posts',
      locale: 'es',
      where: { title: { equals: 'o1-es' } },
    })
    expect(spanish.docs.map((doc) => doc.plain)).toEqual(['o1'])
    await expectClean(newer)
    // Verified from the process of the older config too: it scans the added locale's partitions
    // the recorded definitions name (before: entries expected there, never scanned, all missing).
    await expectClean(older)
  })

  it('writers of both configs at once, after the build: every value of every locale counted and found through the indexes', async () => {
    const table = `locales-${randomUUID()}`
    const older = await start(['en', 'es'], testDynamoAdapter(table, THROUGH_INDEXES))
    opened.push(older)
    const seeded = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        older.create({
          collection: 'posts',
          data: { code: `s${n}`, plain: `s${n}`, title: `t${n % 3}` },
          locale: 'en',
        }),
      ),
    )
    const newer = await start(['en', 'es', 'de'], testDynamoAdapter(table, THROUGH_INDEXES))
    opened.push(newer)
    // Both processes write at once through Payload: creates, and updates of the same documents
    // in every locale each config knows.
    await Promise.all([
      ...Array.from({ length: 8 }, (_, n) =>
        (n % 2 ? older : newer).create({
          collection: 'posts',
          data: { code: `c${n}`, plain: `c${n}`, title: `t${n % 3}` },
          locale: 'en',
        }),
      ),
      ...seeded.flatMap((doc, n) => [
        older.update({
          id: doc.id,
          collection: 'posts',
          data: { title: `es${n % 2}` },
          locale: 'es',
        }),
        newer.update({
          id: doc.id,
          collection: 'posts',
          data: { title: `de${n % 2}` },
          locale: 'de',
        }),
      ]),
    ])
    for (const locale of ['en', 'es', 'de'] as const) {
      // What the documents hold in this locale (read whole, no fallback).
      const { docs } = await newer.find({
        collection: 'posts',
        depth: 0,
        fallbackLocale: false,
        locale,
        pagination: false,
      })
      expect(docs).toHaveLength(14)
      const held = new Map<string, number>()
      for (const doc of docs) {
        const title = typeof doc.title === 'string' ? doc.title : ''
        held.set(title, (held.get(title) ?? 0) + 1)
      }
      for (const [title, count] of held) {
        const where: Where = title ? { title: { equals: title } } : { title: { exists: false } }
        expect([
          locale,
          title,
          (await newer.count({ collection: 'posts', locale, where })).totalDocs,
        ]).toEqual([locale, title, count])
        const page = await newer.find({ collection: 'posts', depth: 0, limit: 50, locale, where })
        expect([locale, title, page.totalDocs, page.docs.length]).toEqual([
          locale,
          title,
          count,
          count,
        ])
      }
      const sorted = await newer.find({
        collection: 'posts',
        depth: 0,
        limit: 50,
        locale,
        sort: 'title',
      })
      expect(sorted.totalDocs).toBe(14)
      expect(sorted.docs).toHaveLength(14)
    }
    await expectClean(newer)
  })

  it('the unique values of a localized unique field stay refused while the sync builds the added locale', async () => {
    const table = `locales-${randomUUID()}`
    const older = await start(['en', 'es'], testDynamoAdapter(table, THROUGH_INDEXES))
    opened.push(older)
    for (let i = 0; i < 5; i++) {
      await older.create({ collection: 'posts', data: { code: `u${i}`, rank: i }, locale: 'en' })
    }
    const newer = await start(
      ['en', 'es', 'de'],
      testDynamoAdapter(table, { ...THROUGH_INDEXES, buildIndexes: false }),
    )
    opened.push(newer)
    const db = newer.db as unknown as DynamoDBAdapter
    expect((await db.syncIndexes({ dryRun: true })).stale).toEqual([])

    // Once the sync writes its first document's items, the older process takes the code of the
    // document stored last (reached last by the build).
    const attempts: Promise<unknown>[] = []
    const watch = watchSends(db, async (command) => {
      const items = (command.input as { TransactItems?: { Put?: { Item?: { pk?: unknown } } }[] })
        .TransactItems
      if (
        attempts.length === 0 &&
        items?.some((item) => String(item.Put?.Item?.pk).includes('#I#'))
      ) {
        attempts.push(
          older.create({ collection: 'posts', data: { code: 'u4', rank: 99 }, locale: 'en' }).then(
            () => 'stored',
            (error: Error) => error.name,
          ),
        )
        await attempts[0]
      }
    })
    try {
      await db.syncIndexes()
    } finally {
      watch.restore()
    }
    // Before: the index was dropped first, so the copy was stored and the build then failed.
    expect(await Promise.all(attempts)).toEqual(['ValidationError'])
    expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
    await expect(
      newer.create({ collection: 'posts', data: { code: 'u1' }, locale: 'en' }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    await newer.create({ collection: 'posts', data: { code: 'u1' }, locale: 'de' })
    await expect(
      older.create({ collection: 'posts', data: { code: 'u1' }, locale: 'en' }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    const german = await newer.count({
      collection: 'posts',
      locale: 'de',
      where: { code: { equals: 'u1' } },
    })
    expect(german.totalDocs).toBe(1)
    await expectClean(newer)
    await expectClean(older)
  })
})

describe('a locale removed from the config of a table that holds documents', () => {
  const opened: Payload[] = []
  afterAll(async () => {
    await Promise.all(opened.map((payload) => payload.destroy()))
  })

  /** Index items (entries, markers, value counts) of the posts in German. */
  const germanItems = (db: DynamoDBAdapter) =>
    scanCount(db, 'begins_with(pk, :posts) AND contains(pk, :german)', {
      ':german': { S: '#de' },
      ':posts': { S: 'C#posts#' },
    })

  it("its localized indexes are rebuilt in place: unique values stay refused throughout, the locale's items go", async () => {
    const table = `locales-${randomUUID()}`
    const older = await start(['en', 'es', 'de'], testDynamoAdapter(table, THROUGH_INDEXES))
    opened.push(older)
    for (let i = 0; i < 5; i++) {
      const doc = await older.create({
        collection: 'posts',
        data: { code: `u${i}`, plain: `p${i}`, rank: i, title: `en-${i}` },
        locale: 'en',
      })
      await older.update({
        id: doc.id,
        collection: 'posts',
        data: { code: `d${i}`, rank: 20 + i, title: `de-${i}` },
        locale: 'de',
      })
    }
    const newer = await start(
      ['en', 'es'],
      testDynamoAdapter(table, { ...THROUGH_INDEXES, buildIndexes: false }),
    )
    opened.push(newer)
    const db = newer.db as unknown as DynamoDBAdapter
    expect(await germanItems(db)).toBeGreaterThan(0)
    // Before: "of another shape", dropped first, and a value taken meanwhile made the build fail
    // with no index left to refuse the next one.
    const dry = await db.syncIndexes({ dryRun: true })
    expect(dry.stale).toEqual([])
    expect([...dry.pending].sort()).toEqual(['posts/code', 'posts/rank', 'posts/title'])

    // Once the sync writes its first document's items, each process tries to take a code.
    const attempts: Promise<unknown>[] = []
    const take = (payload: Payload, code: string) =>
      payload.create({ collection: 'posts', data: { code }, locale: 'en' }).then(
        () => 'stored',
        (error: Error) => error.name,
      )
    const watch = watchSends(db, async (command) => {
      const items = (command.input as { TransactItems?: { Put?: { Item?: { pk?: unknown } } }[] })
        .TransactItems
      if (
        attempts.length === 0 &&
        items?.some((item) => String(item.Put?.Item?.pk).includes('#I#'))
      ) {
        attempts.push(take(older, 'u4'), take(newer, 'u3'))
        await Promise.all(attempts)
      }
    })
    try {
      await db.syncIndexes()
    } finally {
      watch.restore()
    }
    expect(await Promise.all(attempts)).toEqual(['ValidationError', 'ValidationError'])
    expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
    expect(await germanItems(db)).toBe(0)
    expect(await take(newer, 'u1')).toBe('ValidationError')
    expect(await take(older, 'u2')).toBe('ValidationError')
    expect(await take(newer, 'u9')).toBe('stored')

    // Through the rebuilt indexes: every English and Spanish answer as the documents say.
    const codes = await newer.find({
      collection: 'posts',
      depth: 0,
      locale: 'en',
      sort: '-rank',
      where: { code: { in: ['u0', 'u2', 'u4', 'u9'] } },
    })
    expect(codes.docs.map((doc) => doc.code)).toEqual(['u4', 'u2', 'u0', 'u9'])
    const ranked = await newer.count({
      collection: 'posts',
      locale: 'en',
      where: { rank: { greater_than_equal: 1 } },
    })
    expect(ranked.totalDocs).toBe(4)
    const spanish = await newer.count({
      collection: 'posts',
      locale: 'es',
      where: { title: { exists: true } },
    })
    expect(spanish.totalDocs).toBe(0)
    await expectClean(newer)
    await expectClean(older)
  })
})
