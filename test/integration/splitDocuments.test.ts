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

import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'
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
        slug: 'pages',
        fields: [
          { name: 'title', type: 'text' },
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

/** A request of a split document's entries alone (with the journal's check or mark). */
const entriesOnly = (items: TransactItem[], kind: 'Delete' | 'Put') =>
  items.some((item) => kind in item) &&
  items.every((item) => pkOf(item) === 'J#journal' || (kind in item && /#[IX]#/.test(pkOf(item))))

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

  const answers = async (booted: Booted, wheres: Where[]) => {
    const out: string[] = []
    for (const where of wheres) {
      const found = await booted.payload.find({ collection: 'posts', sort: 'title', where })
      const counted = await booted.payload.count({ collection: 'posts', where })
      out.push(`${found.docs.map((doc) => doc.title).join(',')}:${counted.totalDocs}`)
    }
    return out
  }

  const tagWheres: Where[] = [
    { tags: { equals: 'a5' } },
    { tags: { equals: 'b5' } },
    { tags: { in: ['a39', 'b39'] } },
    { tags: { equals: 'shared' } },
    { code: { equals: 'split-1' } },
  ]

  it('an update that changes all 40 values of a hasMany field (and 5 of another) is stored, and found, as db-sqlite does', async () => {
    const people: Record<string, (number | string)[]> = {}
    for (const booted of [dynamo, sqlite]) {
      const key = booted === dynamo ? 'dynamo' : 'sqlite'
      people[key] = []
      for (let n = 0; n < 45; n++) {
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
      // Before: a 400 ("needs 182 items in one DynamoDB transaction").
      await booted.payload.update({
        collection: 'posts',
        data: { readers: ids.slice(5), tags: values(40, 'b') },
        id: doc.id,
      })
    }
    expect(await answers(dynamo, tagWheres)).toEqual(await answers(sqlite, tagWheres))
    const byReader = async (booted: Booted, n: number) =>
      (
        await booted.payload.count({
          collection: 'posts',
          where: { readers: { equals: people[booted === dynamo ? 'dynamo' : 'sqlite'][n] } },
        })
      ).totalDocs
    for (const n of [0, 4, 5, 44]) {
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
    expect(await answers(dynamo, tagWheres)).toEqual(await answers(sqlite, tagWheres))
    await expectClean('posts')
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.delete({ collection: 'posts', where: { title: { in: ['one', 'two'] } } })
    }
    expect(await answers(dynamo, tagWheres)).toEqual(await answers(sqlite, tagWheres))
    await expectClean('posts')
  })

  it('a document with a localized hasMany field in 30 locales can be updated in each and deleted', async () => {
    const payload = dynamo.payload
    const page = await payload.create({
      collection: 'pages',
      data: { labels: ['x', 'y'], title: 'translated' },
      locale: 'l0',
    })
    for (const locale of locales.slice(1)) {
      await payload.update({
        collection: 'pages',
        data: { labels: [`x-${locale}`, `y-${locale}`, 'z'] },
        id: page.id,
        locale,
      })
    }
    const labelled = async (label: string, locale: string) =>
      (await payload.count({ collection: 'pages', locale, where: { labels: { equals: label } } }))
        .totalDocs
    expect(await labelled('z', 'l7')).toBe(1)
    expect(await labelled('x-l29', 'l29')).toBe(1)
    expect(await labelled('x-l29', 'l28')).toBe(0)
    await expectClean('pages')
    // Before: a 400 (184 items: 89 entries and their value counts), and the document stayed.
    await payload.delete({ collection: 'pages', id: page.id })
    expect(await labelled('z', 'l7')).toBe(0)
    expect((await payload.count({ collection: 'pages' })).totalDocs).toBe(0)
    await expectClean('pages')
  })

  /** Creates the document the next tests change: 40 tags `a…`, code `cut`. */
  const createCut = async () =>
    dynamo.payload.create({
      collection: 'posts',
      data: { code: 'cut', tags: values(40, 'a'), title: 'cut' },
    })

  const titlesTagged = async (tag: string) =>
    (await dynamo.payload.find({ collection: 'posts', where: { tags: { equals: tag } } })).docs.map(
      (doc) => doc.title,
    )

  it('a split write stopped after its document is finished by the next start: old entries removed', async () => {
    const { id } = await createCut()
    let stopped = false
    const watch = watchSends(adapter(), async (command) => {
      const items = transactItems(command)
      if (items && entriesOnly(items, 'Delete')) {
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
    // Meanwhile every answer is exact: the old entries only lead to a document that no longer
    // matches.
    expect(await titlesTagged('b7')).toEqual(['cut'])
    expect(await titlesTagged('a7')).toEqual([])
    const before = await adapter().verifyIndexes({ collection: 'posts' })
    expect(before.staleEntries + before.orphanEntries).toBeGreaterThan(0)

    expect(await adapter().finishOpenCommits({ olderThanMs: 0 })).toEqual({
      deferred: 0,
      finished: 1,
    })
    expect(await titlesTagged('b7')).toEqual(['cut'])
    await expectClean('posts')
    await dynamo.payload.delete({ collection: 'posts', id })
    await expectClean('posts')
  })

  it('a split write stopped before its document is finished by the next start', async () => {
    const { id } = await createCut()
    let stopped = false
    const watch = watchSends(adapter(), async (command) => {
      const items = transactItems(command)
      if (items && !entriesOnly(items, 'Put') && documentWrite(items)) {
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

  it('a unique value taken after its new entries were written: refused, the document and its entries as before', async () => {
    const { id } = await createCut()
    let taken = false
    const watch = watchSends(adapter(), async (command) => {
      const items = transactItems(command)
      if (items && entriesOnly(items, 'Put')) {
        // Its new entries go first; the value is taken before the document's own request.
        taken = true
        watch.restore()
        await dynamo.payload.create({
          collection: 'posts',
          data: { code: 'wanted', title: 'thief' },
        })
      }
    })
    try {
      await expect(
        dynamo.payload.update({
          collection: 'posts',
          data: { code: 'wanted', tags: values(40, 'b') },
          id,
        }),
      ).rejects.toThrow(/code/)
    } finally {
      watch.restore()
    }
    expect(taken).toBe(true)
    const stored = await dynamo.payload.findByID({ collection: 'posts', id })
    expect(stored.code).toBe('cut')
    expect(stored.tags).toEqual(values(40, 'a'))
    expect(await titlesTagged('b7')).toEqual([])
    expect(await titlesTagged('a7')).toEqual(['cut'])
    // The entries written before the document's request were removed when the write was undone.
    await expectClean('posts')
    await dynamo.payload.delete({ collection: 'posts', where: { code: { in: ['cut', 'wanted'] } } })
    await expectClean('posts')
  })
})
