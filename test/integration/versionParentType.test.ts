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

import type { Booted } from '../support/bootPayload.js'

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
})
