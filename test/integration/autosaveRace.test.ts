/**
 * Payload's autosave updates the latest version in place (`updateVersion` with `latest: true`).
 * Another process's save may create a newer version between the autosave's lookup of the latest
 * version and its write: the autosave must not make the version it looked up latest again next
 * to the newer one. Exactly one version of the document stays latest, the one updated last.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'posts',
      fields: [{ name: 'title', type: 'text' }],
      versions: { drafts: { autosave: true } },
    },
  ],
  db,
  secret: 'autosave-race',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

/** A write of a version item (its partition is `V#posts`). */
function writesVersion(command: SentCommand): boolean {
  if (!/Transact|Put|Update/.test(command.constructor.name)) {
    return false
  }
  return JSON.stringify(command.input).includes('"pk":"V#posts"')
}

describe('an autosave racing another save of the same document', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('leaves exactly one latest version, the one saved last', async () => {
    const tableName = `autosave-race-${randomUUID()}`
    const editor = await bootOnTable(config, tableName, { readCache: false })
    const other = await bootOnTable(config, tableName, { readCache: false })
    started.push(editor, other)
    const doc = await editor.create({ collection: 'posts', data: { title: 'v0' }, draft: true })
    // The first autosave makes an autosave version; the next ones update it in place.
    await editor.update({
      id: doc.id,
      autosave: true,
      collection: 'posts',
      data: { title: 'auto 1' },
      draft: true,
    })

    let raced = false
    const watch = watchSends(adapterOf(editor), async (command) => {
      if (!raced && writesVersion(command)) {
        raced = true
        await other.update({
          id: doc.id,
          collection: 'posts',
          data: { title: 'manual' },
          draft: true,
        })
      }
    })
    try {
      await editor.update({
        id: doc.id,
        autosave: true,
        collection: 'posts',
        data: { title: 'auto 2' },
        draft: true,
      })
    } finally {
      watch.restore()
    }
    expect(raced).toBe(true)

    const latest = await other.findVersions({
      collection: 'posts',
      where: { and: [{ parent: { equals: doc.id } }, { latest: { equals: true } }] },
    })
    expect(latest.totalDocs).toBe(1)
    // The draft the admin shows: one document.
    const drafts = await other.find({ collection: 'posts', draft: true })
    expect(drafts.docs.map((each) => each.id)).toEqual([doc.id])
  })

  it('returns the version as stored: not latest when a newer one was saved', async () => {
    const tableName = `autosave-returned-${randomUUID()}`
    const editor = await bootOnTable(config, tableName, { readCache: false })
    started.push(editor)
    const doc = await editor.create({ collection: 'posts', data: { title: 'v0' }, draft: true })
    await editor.update({ id: doc.id, collection: 'posts', data: { title: 'v1' }, draft: true })
    const { docs } = await editor.findVersions({
      collection: 'posts',
      sort: 'updatedAt',
      where: { parent: { equals: doc.id } },
    })
    const [older, newer] = docs
    expect(newer.latest).toBe(true)
    // The older version updated in place as latest, with a time before the newer one's.
    const returned = await editor.db.updateVersion({
      id: older.id,
      collection: 'posts',
      versionData: { ...older, latest: true, updatedAt: older.updatedAt } as never,
    })
    const stored = await editor.findVersionByID({ id: older.id, collection: 'posts' })
    expect(stored.latest).toBe(false)
    expect(returned?.latest).toBe(stored.latest)
  })

  it('returns a new version as stored: not latest when a newer one was saved', async () => {
    const tableName = `version-returned-${randomUUID()}`
    const editor = await bootOnTable(config, tableName, { readCache: false })
    started.push(editor)
    const doc = await editor.create({ collection: 'posts', data: { title: 'v0' }, draft: true })
    // A version created with a time before the latest one's.
    const returned = await editor.db.createVersion({
      autosave: false,
      collectionSlug: 'posts',
      createdAt: new Date(0).toISOString(),
      parent: doc.id,
      updatedAt: new Date(0).toISOString(),
      versionData: { title: 'late' } as never,
    })
    const stored = await editor.findVersionByID({ id: returned.id, collection: 'posts' })
    expect(stored.latest).toBe(false)
    expect(returned.latest).toBe(stored.latest)
  })
})
