/**
 * A document whose index entries do not fit its own transaction (100 items): an update that
 * changes all 40 values of a `hasMany` field (40 entries to delete, 40 to put, 80 value counts),
 * a document with a localized `hasMany` field in 30 locales deleted. The document, its markers
 * and value counts go in one transaction; its new entries before it and its old ones after it,
 * under the commit journal's lock (write/splitGroup.ts). Before, both were refused with a 400
 * ("needs 164 items in one DynamoDB transaction"), though each was a valid Payload write that
 * db-sqlite stores, and the second left a document that could no longer be deleted.
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'
import { titlesAndCounts } from '../support/compare.js'

import { randomUUID } from 'node:crypto'

import { boot, bootOnTable, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'

const locales = Array.from({ length: 30 }, (_, n) => `l${n}`)

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      { slug: 'people', fields: [{ name: 'name', type: 'text' }] },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'code', type: 'text', unique: true },
          { name: 'tags', type: 'text', hasMany: true, index: true },
          { name: 'readers', type: 'relationship', hasMany: true, relationTo: 'people' },
        ],
      },
      {
        slug: 'coupons',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'codes', type: 'array', fields: [{ name: 'code', type: 'text', unique: true }] },
        ],
      },
      {
        slug: 'named',
        fields: [
          { name: 'id', type: 'text' },
          { name: 'title', type: 'text' },
          { name: 'tags', type: 'text', hasMany: true, index: true },
        ],
      },
      {
        slug: 'pages',
        fields: [
          { name: 'title', type: 'text', index: true, localized: true },
          { name: 'slug', type: 'text', localized: true, unique: true },
          { name: 'status', type: 'select', index: true, localized: true, options: ['a', 'b'] },
          { name: 'labels', type: 'text', hasMany: true, index: true, localized: true },
        ],
      },
    ],
    db,
    localization: { defaultLocale: 'l0', locales },
    secret: 'split-documents',
    telemetry: false,
  }
}

const values = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, n) => `${prefix}${n}`)

type TransactItem = Record<string, { Key?: { pk?: string }; Item?: { pk?: string } }>

/** The items of a `TransactWriteItems` the adapter sends, or undefined for any other request. */
function transactItems(command: SentCommand): TransactItem[] | undefined {
  return command.constructor.name === 'TransactWriteCommand'
    ? ((command.input as { TransactItems: TransactItem[] }).TransactItems ?? [])
    : undefined
}

const pkOf = (item: TransactItem) => {
  const [action] = Object.values(item)
  return String(action?.Item?.pk ?? action?.Key?.pk ?? '')
}

/** A request of a split document's new entries alone (with the journal's and the record's checks). */
const entriesOnly = (items: TransactItem[]) =>
  items.some((item) => 'Put' in item) &&
  items.every(
    (item) =>
      pkOf(item) === 'J#journal' ||
      'ConditionCheck' in item ||
      ('Put' in item && /#[IX]#/.test(pkOf(item))),
  )

/** A request of what a split document moves after its own (it steps the record on). */
const deferredPart = (items: TransactItem[]) =>
  items.some((item) => 'Update' in item && /^J#/.test(pkOf(item)) && pkOf(item) !== 'J#journal')

/** The split document's own transaction: it puts a document of `posts` alongside counters. */
const documentWrite = (items: TransactItem[]) =>
  items.some((item) => 'Put' in item && /^[^#]*#?posts$|posts$/.test(pkOf(item))) ||
  items.some((item) => 'Delete' in item && /posts$/.test(pkOf(item)))

describe('documents whose entries do not fit one transaction', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
    sqlite = await boot(config, 'sqlite')
  })

  afterAll(() => closeAll(dynamo, sqlite))

  const adapter = () => dynamo.payload.db as unknown as DynamoDBAdapter

  const expectClean = async (collection: string) =>
    expect(await adapter().verifyIndexes({ collection })).toMatchObject({
      clean: true,
      missingEntries: 0,
      orphanEntries: 0,
      staleEntries: 0,
      valueCountersOff: 0,
    })

  const tagWheres: Where[] = [
    { tags: { equals: 'a5' } },
    { tags: { equals: 'b5' } },
    { tags: { in: ['a39', 'b39'] } },
    { tags: { equals: 'shared' } },
    { code: { equals: 'split-1' } },
  ]

  it('an update that changes all 40 values of two hasMany fields is stored, and found, as db-sqlite does', async () => {
    const people: Record<string, (number | string)[]> = {}
    for (const booted of [dynamo, sqlite]) {
      const key = booted === dynamo ? 'dynamo' : 'sqlite'
      people[key] = []
      for (let n = 0; n < 80; n++) {
        const person = await booted.payload.create({
          collection: 'people',
          data: { name: `p${n}` },
        })
        people[key].push(person.id)
      }
    }
    for (const booted of [dynamo, sqlite]) {
      const ids = people[booted === dynamo ? 'dynamo' : 'sqlite']
      const doc = await booted.payload.create({
        collection: 'posts',
        data: { code: 'split-1', readers: ids.slice(0, 40), tags: values(40, 'a'), title: 'one' },
      })
      await booted.payload.create({
        collection: 'posts',
        data: { tags: ['shared', 'a5', 'b5'], title: 'two' },
      })
      // Before: a 400 ("needs 322 items in one DynamoDB transaction": 160 entries, 160 counts).
      await booted.payload.update({
        collection: 'posts',
        data: { readers: ids.slice(40), tags: values(40, 'b') },
        id: doc.id,
      })
    }
    expect(await titlesAndCounts(dynamo, tagWheres)).toEqual(
      await titlesAndCounts(sqlite, tagWheres),
    )
    const byReader = async (booted: Booted, n: number) =>
      (
        await booted.payload.count({
          collection: 'posts',
          where: { readers: { equals: people[booted === dynamo ? 'dynamo' : 'sqlite'][n] } },
        })
      ).totalDocs
    for (const n of [0, 39, 40, 79]) {
      expect(await byReader(dynamo, n)).toBe(await byReader(sqlite, n))
    }
    await expectClean('posts')

    // And back, through a Payload transaction.
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.update({
        collection: 'posts',
        data: { tags: values(40, 'a') },
        where: { code: { equals: 'split-1' } },
      })
    }
    expect(await titlesAndCounts(dynamo, tagWheres)).toEqual(
      await titlesAndCounts(sqlite, tagWheres),
    )
    await expectClean('posts')
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.delete({ collection: 'posts', where: { title: { in: ['one', 'two'] } } })
    }
    expect(await titlesAndCounts(dynamo, tagWheres)).toEqual(
      await titlesAndCounts(sqlite, tagWheres),
    )
    await expectClean('posts')
  })

  it('a document with localized indexed fields in 30 locales is written locale by locale, at once, and deleted', async () => {
    const payload = dynamo.payload
    const page = await payload.create({
      collection: 'pages',
      data: { labels: ['x', 'y'], slug: 's-l0', status: 'a', title: 't-l0' },
      locale: 'l0',
    })
    for (const locale of locales.slice(1)) {
      await payload.update({
        collection: 'pages',
        data: {
          labels: [`x-${locale}`, `y-${locale}`, 'z'],
          slug: `s-${locale}`,
          status: 'b',
          title: `t-${locale}`,
        },
        id: page.id,
        locale,
      })
    }
    const count = async (where: Where, locale: string) =>
      (await payload.count({ collection: 'pages', locale, where })).totalDocs
    const counts = async () => [
      await count({ labels: { equals: 'z' } }, 'l7'),
      await count({ labels: { equals: 'x-l29' } }, 'l29'),
      await count({ labels: { equals: 'x-l29' } }, 'l28'),
      await count({ status: { equals: 'b' } }, 'l12'),
      await count({ title: { equals: 't-l20' } }, 'l20'),
      await count({ slug: { equals: 's-l0' } }, 'l0'),
    ]
    expect(await counts()).toEqual([1, 1, 0, 1, 1, 1])
    await expectClean('pages')
    // Before: a 400 ("needs 181 items": 30 markers, 149 value counts), and the document stayed.
    await payload.delete({ collection: 'pages', id: page.id })
    expect(await counts()).toEqual([0, 0, 0, 0, 0, 0])
    await expectClean('pages')

    // Every locale in one create (`locale: 'all'`), as a duplicate or an import sends it.
    const all = (make: (locale: string) => unknown) =>
      Object.fromEntries(locales.map((locale) => [locale, make(locale)]))
    const whole = await payload.create({
      collection: 'pages',
      data: {
        labels: all((locale) => [`x-${locale}`, 'z']),
        slug: all((locale) => `s-${locale}`),
        status: all(() => 'b'),
        title: all((locale) => `t-${locale}`),
      } as never,
      locale: 'all',
    })
    expect(await counts()).toEqual([1, 1, 0, 1, 1, 1])
    await expectClean('pages')
    await payload.delete({ collection: 'pages', id: whole.id })
    expect(await counts()).toEqual([0, 0, 0, 0, 0, 0])
    await expectClean('pages')
  })

  it('a document with 40 values in each of 30 locales (1,200 entries, 1,200 counts) is created at once, changed and deleted', async () => {
    const payload = dynamo.payload
    const labels = (prefix: string) =>
      Object.fromEntries(locales.map((locale) => [locale, values(40, `${prefix}-${locale}-`)]))
    const count = async (label: string, locale: string) =>
      (await payload.count({ collection: 'pages', locale, where: { labels: { equals: label } } }))
        .totalDocs
    const page = await payload.create({
      collection: 'pages',
      data: { labels: labels('a'), title: 'many' } as never,
      locale: 'all',
    })
    expect([await count('a-l0-0', 'l0'), await count('a-l29-39', 'l29')]).toEqual([1, 1])
    for (const locale of ['l0', 'l29']) {
      await payload.update({
        collection: 'pages',
        data: { labels: values(40, `b-${locale}-`) },
        id: page.id,
        locale,
      })
    }
    expect([
      await count('a-l0-0', 'l0'),
      await count('b-l29-39', 'l29'),
      await count('a-l15-7', 'l15'),
    ]).toEqual([0, 1, 1])
    await expectClean('pages')
    await payload.delete({ collection: 'pages', id: page.id })
    expect([await count('b-l29-39', 'l29'), await count('a-l15-7', 'l15')]).toEqual([0, 0])
    await expectClean('pages')
  })

  /** Creates the document the next tests change: 40 tags `a…`, 40 readers, code `cut`. */
  const createCut = async () => {
    const people: (number | string)[] = []
    for (let n = 0; n < 80; n++) {
      people.push(
        (await dynamo.payload.create({ collection: 'people', data: { name: `cut${n}` } })).id,
      )
    }
    const { id } = await dynamo.payload.create({
      collection: 'posts',
      data: { code: 'cut', readers: people.slice(0, 40), tags: values(40, 'a'), title: 'cut' },
    })
    return { id, people }
  }

  const titlesTagged = async (tag: string) =>
    (await dynamo.payload.find({ collection: 'posts', where: { tags: { equals: tag } } })).docs.map(
      (doc) => doc.title,
    )

  const readBy = async (reader: number | string) =>
    (await dynamo.payload.count({ collection: 'posts', where: { readers: { equals: reader } } }))
      .totalDocs

  it('a split write stopped after its document is finished by the next start: the counts and entries it had left', async () => {
    const { id, people } = await createCut()
    let stopped = false
    const watch = watchSends(adapter(), async (command) => {
      const items = transactItems(command)
      if (items && deferredPart(items)) {
        stopped = true
        watch.restore()
        throw new Error('process stopped')
      }
    })
    try {
      await expect(
        dynamo.payload.update({
          collection: 'posts',
          data: { readers: people.slice(40), tags: values(40, 'b') },
          id,
        }),
      ).rejects.toThrow(/finished automatically/)
    } finally {
      watch.restore()
    }
    expect(stopped).toBe(true)
    // Finds stay exact: the old entries only lead to a document that no longer matches.
    expect(await titlesTagged('b7')).toEqual(['cut'])
    expect(await titlesTagged('a7')).toEqual([])
    const before = await adapter().verifyIndexes({ collection: 'posts' })
    expect(before.clean).toBe(false)

    expect(await adapter().finishOpenCommits({ olderThanMs: 0 })).toEqual({
      deferred: 0,
      finished: 1,
    })
    expect(await titlesTagged('b7')).toEqual(['cut'])
    expect([await readBy(people[0]), await readBy(people[39]), await readBy(people[79])]).toEqual([
      0, 0, 1,
    ])
    await expectClean('posts')
    await dynamo.payload.delete({ collection: 'posts', id })
    await expectClean('posts')
  })

  it('a split write stopped before its document is finished by the next start', async () => {
    const { id } = await createCut()
    let stopped = false
    const watch = watchSends(adapter(), async (command) => {
      const items = transactItems(command)
      if (items && !entriesOnly(items) && documentWrite(items)) {
        stopped = true
        watch.restore()
        throw new Error('process stopped')
      }
    })
    try {
      await expect(
        dynamo.payload.update({ collection: 'posts', data: { tags: values(40, 'b') }, id }),
      ).rejects.toThrow(/finished automatically/)
    } finally {
      watch.restore()
    }
    expect(stopped).toBe(true)
    expect(await titlesTagged('a7')).toEqual(['cut'])
    expect(await titlesTagged('b7')).toEqual([])

    expect(await adapter().finishOpenCommits({ olderThanMs: 0 })).toEqual({
      deferred: 0,
      finished: 1,
    })
    expect(await titlesTagged('a7')).toEqual([])
    expect(await titlesTagged('b7')).toEqual(['cut'])
    await expectClean('posts')
    await dynamo.payload.delete({ collection: 'posts', id })
  })

  it('a unique value taken between two requests of its unique values: refused, the values it took let go, the document as before', async () => {
    const rows = (count: number, prefix: string) => values(count, prefix).map((code) => ({ code }))
    const { id } = await dynamo.payload.create({
      collection: 'coupons',
      data: { codes: rows(10, 'old'), title: 'coupon' },
    })
    let requests = 0
    const watch = watchSends(adapter(), async (command) => {
      const items = transactItems(command)
      if (items?.some((item) => 'Put' in item && /#U#/.test(pkOf(item))) && ++requests === 2) {
        // The first 99 values are taken; one of the rest is taken by another document now.
        watch.restore()
        await dynamo.payload.create({
          collection: 'coupons',
          data: { codes: [{ code: 'new140' }], title: 'thief' },
        })
      }
    })
    try {
      await expect(
        dynamo.payload.update({ collection: 'coupons', data: { codes: rows(150, 'new') }, id }),
      ).rejects.toThrow(/code/)
    } finally {
      watch.restore()
    }
    expect(requests).toBe(2)
    const stored = await dynamo.payload.findByID({ collection: 'coupons', id })
    expect((stored.codes as { code: string }[]).map((row) => row.code)).toEqual(values(10, 'old'))
    // The values it took in its first request were let go when it was undone.
    const taker = await dynamo.payload.create({
      collection: 'coupons',
      data: { codes: [{ code: 'new5' }, { code: 'new98' }], title: 'taker' },
    })
    const holders = async (code: string) =>
      (
        await dynamo.payload.find({
          collection: 'coupons',
          sort: 'title',
          where: { 'codes.code': { equals: code } },
        })
      ).docs.map((doc) => doc.title)
    expect(await holders('new5')).toEqual(['taker'])
    expect(await holders('new140')).toEqual(['thief'])
    expect(await holders('old3')).toEqual(['coupon'])
    await expectClean('coupons')
    await dynamo.payload.delete({ collection: 'coupons', id: taker.id })
    await dynamo.payload.delete({ collection: 'coupons', where: { title: { equals: 'thief' } } })
    await expectClean('coupons')
  })

  it('a writer of the same document waits for a split write, then applies its own over it', async () => {
    const { id } = await createCut()
    let other: Promise<unknown> | undefined
    const watch = watchSends(adapter(), async (command) => {
      const items = transactItems(command)
      if (items && entriesOnly(items) && !other) {
        // The document is locked by now: this update meets the lock and waits for the write.
        other = dynamo.payload.update({ collection: 'posts', data: { title: 'later' }, id })
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
    })
    try {
      await dynamo.payload.update({ collection: 'posts', data: { tags: values(40, 'b') }, id })
      await other
    } finally {
      watch.restore()
    }
    expect(other).toBeDefined()
    // Payload sends the whole document it read: the later update stores its title with the tags
    // it read (as on any database, last writer wins), computed over the split write's result.
    const stored = await dynamo.payload.findByID({ collection: 'posts', id })
    expect(stored.title).toBe('later')
    const tag = (stored.tags as string[])[7]
    expect(await titlesTagged(tag)).toEqual(['later'])
    expect(await titlesTagged(tag === 'a7' ? 'b7' : 'a7')).toEqual([])
    await expectClean('posts')
    await dynamo.payload.delete({ collection: 'posts', id })
    await expectClean('posts')
  })

  it('an index added over a document whose values in it do not fit one transaction is built, and rebuilt', async () => {
    const tableName = `split-build-${randomUUID()}`
    const notes =
      (index: boolean) =>
      (db: DatabaseAdapterObj): Config => ({
        ...config(db),
        collections: [
          {
            slug: 'notes',
            fields: [
              { name: 'title', type: 'text' as const },
              { name: 'words', type: 'text' as const, hasMany: true, index, localized: true },
            ],
          },
        ],
      })
    const before = await bootOnTable(notes(false), tableName, { readCache: false })
    const words = Object.fromEntries(locales.map((locale) => [locale, [`a-${locale}`, 'b', 'c']]))
    await before.create({
      collection: 'notes',
      data: { title: 'wordy', words } as never,
      locale: 'all',
    })
    await before.create({ collection: 'notes', data: { title: 'plain', words: ['b'] } })
    await before.destroy()

    // 90 entries and 90 value counts in the new index: before, the build failed with a 400.
    const after = await bootOnTable(notes(true), tableName, {
      buildIndexes: true,
      readCache: false,
    })
    try {
      const db = after.db as unknown as DynamoDBAdapter
      const count = async (word: string, locale: string) =>
        (await after.count({ collection: 'notes', locale, where: { words: { equals: word } } }))
          .totalDocs
      const plan = await db.explain({
        collection: 'notes',
        locale: 'l3',
        where: { words: { equals: 'a-l3' } },
      })
      expect(plan.plan.kind).toBe('index')
      expect([await count('a-l3', 'l3'), await count('b', 'l0'), await count('b', 'l9')]).toEqual([
        1, 2, 1,
      ])
      const clean = { clean: true, missingEntries: 0, orphanEntries: 0, valueCountersOff: 0 }
      expect(await db.verifyIndexes({ collection: 'notes' })).toMatchObject(clean)
      await db.rebuildIndexes({ collection: 'notes' })
      expect([await count('a-l3', 'l3'), await count('b', 'l0'), await count('b', 'l9')]).toEqual([
        1, 2, 1,
      ])
      expect(await db.verifyIndexes({ collection: 'notes' })).toMatchObject(clean)
    } finally {
      await after.destroy()
    }
  })

  it('three split creates of the same id at once: one is stored, the others refused, nothing of theirs left', async () => {
    const results = await Promise.allSettled(
      [0, 1, 2].map((n) =>
        dynamo.payload.create({
          collection: 'named',
          data: { id: 'race', tags: values(60, `r${n}-`), title: `r${n}` },
        }),
      ),
    )
    const stored = results.filter((result) => result.status === 'fulfilled')
    expect(stored).toHaveLength(1)
    for (const result of results) {
      if (result.status === 'rejected') {
        expect((result.reason as { name: string }).name).toBe('ValidationError')
      }
    }
    const doc = await dynamo.payload.findByID({ collection: 'named', id: 'race' })
    const winner = Number(String(doc.title).slice(1))
    const tagged = async (n: number) =>
      (
        await dynamo.payload.find({
          collection: 'named',
          where: { tags: { equals: `r${n}-5` } },
        })
      ).docs.map((found) => found.title)
    for (const n of [0, 1, 2]) {
      expect(await tagged(n)).toEqual(n === winner ? [`r${n}`] : [])
    }
    await expectClean('named')
  })
})
