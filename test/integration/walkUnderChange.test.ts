/**
 * A page read by walking an index in order fetches the documents of the entries it walked. One
 * that moved on between its entry and its fetch belongs where it is now: past the walk's
 * position it is left for where the walk would meet it again, never placed where it never was
 * (which also pushed a document that matched throughout off the page).
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
    { moved: 100, page: ['b:6', 'c:7', 'd:8'] },
    { moved: 1, page: ['a:1', 'b:6', 'c:7'] },
  ])(
    'a document moved to $moved between its entry and its fetch: the page is $page',
    async ({ moved, page }) => {
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
      const watch = watchSends(adapterOf(reader), async (command) => {
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
    },
  )
})
