/**
 * A version's `parent` is stored as the parent collection's id type. Payload passes the id as the
 * request named it: `update({ id: '5' })` on a collection with number ids, and every REST or
 * admin-panel save (Payload turns REST ids into numbers only when the adapter's default id type
 * is a number, and this adapter's is text). Stored as the text '5', the draft it saved matched no
 * query for the number 5: `findByID(5, { draft: true })` showed the published document (the next
 * save then built on it and lost the draft), a list of drafts gave the id as text, and deleting
 * the document left that version behind. Compared with db-sqlite.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { keyOf, versionsNamespace } from '../../src/namespaces.js'
import { bootBoth, closeAll } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'numbered',
      fields: [
        { name: 'id', type: 'number' },
        { name: 'title', type: 'text' },
      ],
      versions: { drafts: true },
    },
  ],
  db,
  secret: 'version-parent-type',
  telemetry: false,
  typescript: { autoGenerate: false },
})

async function story(payload: Payload) {
  const drafts = async () =>
    (await payload.find({ collection: 'numbered', draft: true, sort: 'id' })).docs.map((doc) => [
      doc.id,
      doc.title,
    ])
  await payload.create({
    collection: 'numbered',
    data: { id: 5, _status: 'published', title: 'five' } as never,
  })
  await payload.create({
    collection: 'numbered',
    data: { id: 10, _status: 'published', title: 'ten' } as never,
  })
  await payload.update({ collection: 'numbered', data: { title: 'd1' }, draft: true, id: '5' })
  const draft = (await payload.findByID({ collection: 'numbered', draft: true, id: 5 })).title
  const listed = await drafts()
  await payload.update({ collection: 'numbered', data: { title: 'd2' }, draft: true, id: 5 })
  const versionsOf5 = (
    await payload.findVersions({ collection: 'numbered', where: { parent: { equals: 5 } } })
  ).totalDocs
  const latest = (
    await payload.findVersions({
      collection: 'numbered',
      sort: 'parent',
      where: { latest: { equals: true } },
    })
  ).docs.map((version) => [version.parent, version.version.title])
  await payload.delete({ collection: 'numbered', id: 5 })
  const left = (await payload.countVersions({ collection: 'numbered' })).totalDocs
  return { draft, latest, left, listed, listedAfter: await drafts(), versionsOf5 }
}

describe("a version's parent, named by text on a collection with number ids", () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, { readCache: false })
  }, 120_000)

  afterAll(async () => {
    await closeAll(dynamo, sqlite)
  })

  it('is stored as a number: drafts are found, listed and deleted as on db-sqlite', async () => {
    const expected = await story(sqlite.payload)
    expect(expected.draft).toBe('d1')
    expect(await story(dynamo.payload)).toEqual(expected)
  })

  it('versions stored with a text parent before the fix are found again after the migration of docs/migrations.md', async () => {
    const { payload } = dynamo
    const db = payload.db as unknown as DynamoDBAdapter
    await payload.create({
      collection: 'numbered',
      data: { id: 7, _status: 'published', title: 'seven' } as never,
    })
    await payload.update({ collection: 'numbered', data: { title: 'draft' }, draft: true, id: 7 })
    // As a save before 2026-12-07 stored them: the parent as text (its index entries are the same).
    const versions = await payload.db.findVersions({
      collection: 'numbered',
      limit: 0,
      pagination: false,
      where: { parent: { equals: 7 } },
    })
    expect(versions.docs).toHaveLength(2)
    for (const version of versions.docs) {
      await db.docClient.send(
        new UpdateCommand({
          ExpressionAttributeNames: { '#doc': 'doc', '#parent': 'parent' },
          ExpressionAttributeValues: { ':parent': '7' },
          Key: keyOf(versionsNamespace(db, 'numbered'), version.id),
          TableName: db.tableName,
          UpdateExpression: 'SET #doc.#parent = :parent',
        }),
      )
    }
    const draftTitle = async () =>
      (await payload.findByID({ collection: 'numbered', draft: true, id: 7 })).title
    expect(await draftTitle()).toBe('seven')
    // The migration docs/migrations.md gives for such tables.
    await db.migrateDocuments({
      collection: 'numbered',
      transform: (version) =>
        typeof version.parent === 'string'
          ? { ...version, parent: Number(version.parent) }
          : undefined,
      versions: true,
    })
    expect(await draftTitle()).toBe('draft')
    expect(
      (await payload.countVersions({ collection: 'numbered', where: { parent: { equals: 7 } } }))
        .totalDocs,
    ).toBe(2)
    expect((await db.verifyIndexes({ collection: 'numbered', versions: true })).clean).toBe(true)
  })
})
