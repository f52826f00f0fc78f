/**
 * Versions turned on for a collection that already holds documents: the first saves of such a
 * document each write its first version, and two processes doing so at once race for the same
 * (not yet existing) latest-version pointer. Exactly one version must end as the latest, the one
 * saved last, and the draft Payload reads must be that version.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'

const SAVES_PER_PROCESS = 5

function config(versioned: boolean) {
  return (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'notes',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'code', type: 'text', index: true },
        ],
        versions: versioned ? { drafts: true } : false,
      },
    ],
    db,
    secret: 'first-versions-secret',
    telemetry: false,
  })
}

describe('first versions of one document saved by two processes at once', () => {
  const tableName = `first-versions-${randomUUID()}`
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('end with one latest version, the last saved, and the draft read is that version', async () => {
    const before = await bootOnTable(config(false), tableName, { buildIndexes: true })
    started.push(before)
    const docs = await Promise.all(
      ['a', 'b', 'c'].map((code) =>
        before.create({ collection: 'notes', data: { code, title: `${code} stored` } }),
      ),
    )
    const processes = [
      await bootOnTable(config(true), tableName, { buildIndexes: true }),
      await bootOnTable(config(true), tableName, { buildIndexes: false }),
    ]
    started.push(...processes)

    for (const doc of docs) {
      expect(
        (
          await processes[0]!.countVersions({
            collection: 'notes',
            where: { parent: { equals: doc.id } },
          })
        ).totalDocs,
      ).toBe(0)
      // Every save of both processes at once: the first ones are each a first version.
      await Promise.all(
        processes.flatMap((payload, process) =>
          Array.from({ length: SAVES_PER_PROCESS }, (_, save) =>
            payload.update({
              id: doc.id,
              collection: 'notes',
              data: { title: `${doc.code} p${process} s${save}` },
              draft: true,
            }),
          ),
        ),
      )
    }

    for (const doc of docs) {
      for (const payload of processes) {
        const versions = await payload.findVersions({
          collection: 'notes',
          limit: 0,
          pagination: false,
          sort: '-updatedAt',
          where: { parent: { equals: doc.id } },
        })
        expect(versions.docs).toHaveLength(2 * SAVES_PER_PROCESS)
        const latest = versions.docs.filter((version) => version.latest === true)
        expect(latest).toHaveLength(1)
        // The latest is the version updated last (ties broken as the adapter orders them).
        const newest = versions.docs[0]!
        expect(latest[0]!.updatedAt).toBe(newest.updatedAt)

        const draft = await payload.findByID({ id: doc.id, collection: 'notes', draft: true })
        expect(draft.title).toBe(latest[0]!.version.title)
        const drafts = await payload.find({
          collection: 'notes',
          draft: true,
          where: { code: { equals: doc.code } },
        })
        expect(drafts.docs.map((found) => found.title)).toEqual([latest[0]!.version.title])
      }
    }

    const db = processes[0]!.db as unknown as DynamoDBAdapter
    for (const versions of [false, true]) {
      const report = await db.verifyIndexes({ collection: 'notes', versions })
      expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
      expect(report.counter).toBe(report.documents)
    }
  }, 120_000)
})
