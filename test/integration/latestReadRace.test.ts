/**
 * A draft saved while another process reads the document's latest version through the index:
 * the reader found the old latest version's entry, then read that version after the save had
 * made it not latest, and answered with no latest version at all. Payload then built the next
 * draft on the published document (the draft's body silently went back to the published one).
 * A candidate that moved out of the index ranges between the two reads now makes the reader
 * read the entries again.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable, THROUGH_INDEXES } from '../support/bootPayload.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'pages',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'body', type: 'text' },
      ],
      versions: { drafts: true },
    },
  ],
  db,
  secret: 'latest-read-race',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

/** Whether a request reads version documents by key (after their entries were read). */
function readsVersions(command: SentCommand): boolean {
  const input = command.input as {
    Key?: { pk?: unknown }
    RequestItems?: Record<string, { Keys?: { pk?: unknown }[] }>
  }
  const keys = [
    input.Key,
    ...Object.values(input.RequestItems ?? {}).flatMap((request) => request.Keys ?? []),
  ]
  return (
    ['GetCommand', 'BatchGetCommand'].includes(command.constructor.name) &&
    keys.some((key) => key?.pk === 'V#pages')
  )
}

describe('reading the latest version while a draft is saved', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it.each([
    ['a draft saved by the reader', 'update'],
    ['a list of drafts', 'find'],
  ])(
    '%s finds the draft saved meanwhile',
    async (_, operation) => {
      const table = `latest-read-race-${randomUUID()}`
      const writer = await bootOnTable(config, table, THROUGH_INDEXES)
      const reader = await bootOnTable(config, table, THROUGH_INDEXES)
      started.push(writer, reader)
      const page = await writer.create({
        collection: 'pages',
        data: { _status: 'published', body: 'P', title: 'first' },
      })
      await writer.update({
        collection: 'pages',
        data: { body: 'draft body' },
        draft: true,
        id: page.id,
      })

      // The reader's first read of a version by key waits until the writer saved a new draft.
      let held = false
      const watch = watchSends(adapterOf(reader), async (command) => {
        if (!held && readsVersions(command)) {
          held = true
          await writer.update({
            collection: 'pages',
            data: { title: 'A' },
            draft: true,
            id: page.id,
          })
        }
      })
      try {
        if (operation === 'update') {
          await reader.update({
            collection: 'pages',
            data: { title: 'B' },
            draft: true,
            id: page.id,
          })
        } else {
          const { docs, totalDocs } = await reader.find({ collection: 'pages', draft: true })
          expect(totalDocs).toBe(1)
          expect(docs.map((doc) => [doc.id, doc.title, doc.body])).toEqual([
            [page.id, 'A', 'draft body'],
          ])
        }
      } finally {
        watch.restore()
      }
      expect(held).toBe(true)
      const latest = await writer.findByID({ collection: 'pages', draft: true, id: page.id })
      expect(latest.body).toBe('draft body')
      const { totalDocs } = await writer.findVersions({
        collection: 'pages',
        where: { and: [{ parent: { equals: page.id } }, { latest: { equals: true } }] },
      })
      expect(totalDocs).toBe(1)
    },
    120_000,
  )
})
