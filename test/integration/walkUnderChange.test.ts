/**
 * A page read by walking an index in order fetches the documents of the entries it walked. One
 * that moved on between its entry and its fetch belongs where it is now: never placed where it
 * never was (which also pushed a document that matched throughout off the page); past the walk's
 * position, the walk is made again, which meets it there (before: left for where the walk would
 * meet it again, which it never did when its new entry was in a page of entries read before it
 * moved, or taken for a document already met).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { watchSends } from '../support/journalItems.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'views', type: 'number', index: true },
        { name: 'keep', type: 'checkbox' },
      ],
    },
  ],
  db,
  secret: 'walk-under-change',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

describe('an ordered index walk while a document moves', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it.each([
    // Past the page's last entry: on a later page either way, so not walked again.
    { moved: 100, page: ['b:6', 'c:7', 'd:8'], walks: 1 },
    { moved: 1, page: ['a:1', 'b:6', 'c:7'], walks: 1 },
    // Ahead, but within the entries the walk read before the move: walked again.
    { moved: 7.5, page: ['b:6', 'c:7', 'a:7.5'], walks: 2 },
  ])(
    'a document moved to $moved between its entry and its fetch: the page is $page ($walks walks)',
    async ({ moved, page, walks }) => {
      const tableName = `walk-under-change-${randomUUID()}`
      const reader = await bootOnTable(config, tableName, { readCache: false })
      const writer = await bootOnTable(config, tableName, { readCache: false })
      started.push(reader, writer)
      const ids: Record<string, number | string> = {}
      for (const [title, views] of [
        ['a', 5],
        ['b', 6],
        ['c', 7],
        ['d', 8],
        ['e', 9],
        ['f', 10],
      ] as const) {
        ids[title] = (await writer.create({ collection: 'posts', data: { title, views } })).id
      }
      const find = () =>
        reader.find({ collection: 'posts', depth: 0, limit: 3, pagination: false, sort: 'views' })
      const explained = await adapterOf(reader).explain({
        collection: 'posts',
        limit: 3,
        sort: 'views',
      })
      expect(explained.plan).toMatchObject({ kind: 'index', ordered: true })

      let raced = false
      let walked = 0
      const watch = watchSends(adapterOf(reader), async (command) => {
        // A walk starts with a Query of the index from its first entry (later pages go on).
        const input = (command as { input?: { ExclusiveStartKey?: unknown } }).input
        walked += command.constructor.name === 'QueryCommand' && !input?.ExclusiveStartKey ? 1 : 0
        if (!raced && /BatchGet|Get/.test(command.constructor.name)) {
          raced = true
          await writer.update({ id: ids.a, collection: 'posts', data: { views: moved } })
        }
      })
      let found: Awaited<ReturnType<typeof find>>
      try {
        found = await find()
      } finally {
        watch.restore()
      }
      expect(raced).toBe(true)
      expect(found.docs.map((doc) => `${doc.title}:${doc.views}`)).toEqual(page)
      expect(walked).toBe(walks)
    },
  )

  it('a document that moved ahead into entries the walk already read is on the page (a filtered walk)', async () => {
    const tableName = `walk-under-change-${randomUUID()}`
    const reader = await bootOnTable(config, tableName, { readCache: false })
    const writer = await bootOnTable(config, tableName, { readCache: false })
    started.push(reader, writer)
    const ids: Record<string, number | string> = {}
    for (const [title, views, keep] of [
      ['a', 5, true],
      ['b', 6, true],
      ['c', 7, false],
      ['d', 8, false],
      ['e', 9, false],
      ['f', 10, false],
      ['g', 11, true],
      ['h', 12, true],
    ] as const) {
      ids[title] = (await writer.create({ collection: 'posts', data: { keep, title, views } })).id
    }
    const find = () =>
      reader.find({
        collection: 'posts',
        depth: 0,
        limit: 3,
        pagination: false,
        sort: 'views',
        where: { keep: { equals: true } },
      })
    let raced = false
    const watch = watchSends(adapterOf(reader), async (command) => {
      if (!raced && /BatchGet|Get/.test(command.constructor.name)) {
        raced = true
        await writer.update({ id: ids.a, collection: 'posts', data: { views: 9.5 } })
      }
    })
    let found: Awaited<ReturnType<typeof find>>
    try {
      found = await find()
    } finally {
      watch.restore()
    }
    expect(raced).toBe(true)
    // Before: [b:6, g:11, h:12], a page that never was (a matched throughout, before g).
    expect(found.docs.map((doc) => `${doc.title}:${doc.views}`)).toEqual(['b:6', 'a:9.5', 'g:11'])
  })

  it("a list of ids naming one number id twice ('5' and '05') finds it once", async () => {
    const numbered = (db: DatabaseAdapterObj): Config => ({
      collections: [
        {
          slug: 'nums',
          fields: [
            { name: 'id', type: 'number' },
            { name: 'title', type: 'text' },
          ],
        },
      ],
      db,
      secret: 'walk-under-change',
      telemetry: false,
    })
    const payload = await bootOnTable(numbered, `ids-${randomUUID()}`, { readCache: false })
    started.push(payload)
    for (const id of [4, 5, 6]) {
      await payload.create({ collection: 'nums', data: { id, title: `n${id}` } })
    }
    // Before: DynamoDB refused the BatchGetItem ("Provided list of item keys contains duplicates").
    const found = await payload.find({ collection: 'nums', where: { id: { in: ['5', '05'] } } })
    expect(found.docs.map((doc) => doc.id)).toEqual([5])
    expect(found.totalDocs).toBe(1)
    const counted = await payload.count({
      collection: 'nums',
      where: { id: { in: [5, ' 5', '5.0'] } },
    })
    expect(counted.totalDocs).toBe(1)
  })
})
