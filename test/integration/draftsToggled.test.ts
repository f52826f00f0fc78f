/**
 * Drafts turned off, then on again (docs/migrations.md "Turning drafts off, then on again"):
 * versions saved without drafts carry no `latest`, so the version latest when drafts went off
 * stays latest, and the draft list shows its content. The migration the docs give (a version of
 * what each document holds, through `payload.db.createVersion`) makes the draft list and the
 * draft read show the document again.
 */
import type { CollectionConfig, Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'

const config =
  (drafts: boolean) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'posts',
        fields: [{ name: 'title', type: 'text' }],
        versions: drafts ? { drafts: true } : true,
      } satisfies CollectionConfig,
    ],
    db,
    secret: 'drafts-toggled',
    telemetry: false,
  })

describe('drafts turned off, then on again', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('show the older latest version until the migration the docs give', async () => {
    const table = `drafts-toggled-${randomUUID()}`
    const first = await bootOnTable(config(true), table)
    const doc = await first.create({
      collection: 'posts',
      data: { _status: 'published', title: 'v1' },
    })
    await first.destroy()
    const off = await bootOnTable(config(false), table)
    await off.update({ id: doc.id, collection: 'posts', data: { title: 'v2' } })
    await off.update({ id: doc.id, collection: 'posts', data: { title: 'v3' } })
    await off.destroy()
    const on = await bootOnTable(config(true), table)
    started.push(on)
    const draftTitles = async () =>
      (await on.find({ collection: 'posts', draft: true })).docs.map((each) => each.title)
    expect(await draftTitles()).toEqual(['v1'])

    for await (const page of (on.db as unknown as DynamoDBAdapter).iterateDocuments({
      collection: 'posts',
    })) {
      for (const stored of page.docs) {
        await on.db.createVersion({
          autosave: false,
          collectionSlug: 'posts',
          createdAt: stored.createdAt as string,
          parent: stored.id as string,
          updatedAt: new Date().toISOString(),
          versionData: stored as never,
        })
      }
    }
    expect(await draftTitles()).toEqual(['v3'])
    const draft = await on.findByID({ id: doc.id, collection: 'posts', draft: true })
    expect(draft.title).toBe('v3')
    const next = await on.update({ id: doc.id, collection: 'posts', data: {}, draft: true })
    expect(next.title).toBe('v3')
  })
})
