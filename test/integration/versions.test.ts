/** Versions, drafts and globals through Payload's Local API, compared with db-sqlite. */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { boot } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'articles',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'rank', type: 'number' },
        ],
        versions: { drafts: true, maxPerDoc: 5 },
      },
    ],
    db,
    globals: [
      {
        slug: 'settings',
        fields: [{ name: 'siteName', type: 'text' }],
        versions: { drafts: true },
      },
      { slug: 'plain', fields: [{ name: 'note', type: 'text' }] },
    ],
    secret: 'versions-test-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

/** The same story on any database; returns what a user would observe. */
async function story(payload: Payload) {
  const doc = await payload.create({
    collection: 'articles',
    data: { title: 'v1', rank: 1, _status: 'published' },
  })
  await payload.update({
    id: doc.id,
    collection: 'articles',
    data: { title: 'v2 draft' },
    draft: true,
  })
  const published = await payload.findByID({ id: doc.id, collection: 'articles' })
  const draft = await payload.findByID({ id: doc.id, collection: 'articles', draft: true })
  const other = await payload.create({
    collection: 'articles',
    data: { title: 'other', rank: 2 },
    draft: true,
  })
  for (let i = 0; i < 7; i++) {
    await payload.update({
      id: other.id,
      collection: 'articles',
      data: { rank: 10 + i },
      draft: true,
    })
  }
  const drafts = await payload.find({ collection: 'articles', draft: true, sort: 'title' })
  const versions = await payload.findVersions({
    collection: 'articles',
    sort: '-updatedAt',
    where: { parent: { equals: other.id } },
  })
  const latest = await payload.findVersions({
    collection: 'articles',
    where: { latest: { equals: true } },
  })
  const oldest = versions.docs[versions.docs.length - 1]
  const restored = await payload.restoreVersion({ id: oldest.id, collection: 'articles' })
  const versionCount = await payload.countVersions({ collection: 'articles' })

  await payload.updateGlobal({ slug: 'settings', data: { siteName: 'One', _status: 'published' } })
  await payload.updateGlobal({ slug: 'settings', data: { siteName: 'Two (draft)' }, draft: true })
  const settings = await payload.findGlobal({ slug: 'settings' })
  const settingsDraft = await payload.findGlobal({ slug: 'settings', draft: true })
  const globalVersions = await payload.findGlobalVersions({ slug: 'settings', sort: '-updatedAt' })
  const emptyGlobal = await payload.findGlobal({ slug: 'plain' })
  await payload.updateGlobal({ slug: 'plain', data: { note: 'hello' } })
  const plain = await payload.findGlobal({ slug: 'plain' })

  return {
    draftTitle: draft.title,
    drafts: drafts.docs.map((each) => [each.title, each.rank, each._status]),
    emptyGlobal: emptyGlobal.note ?? null,
    globalVersions: globalVersions.docs.map((each) => [each.version.siteName, each.latest ?? null]),
    latestCount: latest.totalDocs,
    plain: plain.note,
    publishedTitle: published.title,
    restoredRank: restored.rank,
    settings: settings.siteName,
    settingsDraft: settingsDraft.siteName,
    versionCount: versionCount.totalDocs,
    versions: versions.docs.map((each) => [each.version.rank, each.latest ?? null]),
    versionsTotal: versions.totalDocs,
  }
}

describe('versions, drafts and globals', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await Promise.all([boot(config, 'dynamodb'), boot(config, 'sqlite')])
  })

  afterAll(async () => {
    await Promise.all([dynamo?.close(), sqlite?.close()])
  })

  it('behave as on db-sqlite', async () => {
    const actual = await story(dynamo.payload)
    const expected = await story(sqlite.payload)
    expect(actual.publishedTitle).toBe('v1')
    expect(actual.draftTitle).toBe('v2 draft')
    expect(actual.versionsTotal).toBe(5)
    expect(actual).toEqual(expected)
  })
})
