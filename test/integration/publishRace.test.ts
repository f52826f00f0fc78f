/**
 * Two publishes of one document (and of one global) racing, each in Payload's own transaction:
 * the first one's `afterChange` waits 1.5 s, so the second commits first and the first's commit is
 * computed again over it (`onConflict: 'retry'`). The document and its latest version must be
 * the same save: the row was the last commit's while `latest` stayed on the version with the
 * newer `updatedAt` (the second's), so drafts showed the other title and the next save built
 * on it, undoing the acknowledged one. The commit computed again stores its document and
 * version after the other's, and stamps them so (`updatedAt`, by which Payload picks the draft),
 * with one stamp, also over a newer draft (its document not overtaken): the document stays one
 * of its versions whole (the drafts soak, seed 327, found a version stamped apart from its
 * document).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { boot, type Booted, closeAll } from '../support/bootPayload.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const waitOnDelay = async ({ doc }: { doc: { delay?: number } }) => {
  if (doc.delay) {
    await sleep(doc.delay)
  }
}

// A collection and a global alike: a title, a delay for the afterChange hook, another field.
const racing = {
  fields: [
    { name: 'title', type: 'text' as const },
    { name: 'delay', type: 'number' as const },
    { name: 'other', type: 'text' as const },
  ],
  hooks: { afterChange: [waitOnDelay] },
  versions: { drafts: true },
}

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'posts',
      ...racing,
    },
  ],
  db,
  globals: [
    {
      slug: 'site',
      ...racing,
    },
  ],
  secret: 'publish-race',
  telemetry: false,
})

const published = (title: string, delay: number) =>
  ({ _status: 'published', delay, title }) as Record<string, unknown>

describe('two publishes of one document racing', () => {
  let booted: Booted | undefined
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb')
    payload = booted.payload
  })

  afterAll(async () => {
    await closeAll(booted)
  })

  it('leave the document and its latest version the same save', async () => {
    const { id } = await payload.create({ collection: 'posts', data: published('v0', 0) })
    await Promise.all([
      payload.update({ id, collection: 'posts', data: published('first (slow)', 1500) }),
      sleep(100).then(() =>
        payload.update({ id, collection: 'posts', data: published('second (fast)', 0) }),
      ),
    ])
    const stored = await payload.findByID({ id, collection: 'posts' })
    const draft = await payload.findByID({ id, collection: 'posts', draft: true })
    const latest = await payload.findVersions({
      collection: 'posts',
      where: { and: [{ parent: { equals: id } }, { latest: { equals: true } }] },
    })
    // The slow one commits last, computed again over the fast one: its save is the one stored.
    expect(stored.title).toBe('first (slow)')
    expect(draft.title).toBe(stored.title)
    expect(draft.updatedAt).toBe(stored.updatedAt)
    expect(latest.docs.map((version) => version.version.title)).toEqual([stored.title])
    // A later save builds on what was acknowledged last, not on the other one.
    const next = await payload.update({ id, collection: 'posts', data: { other: 'x' } })
    expect(next.title).toBe(stored.title)
  })

  it('leave a publish computed again over a newer draft its latest version whole', async () => {
    const { id } = await payload.create({ collection: 'posts', data: published('v0', 0) })
    await Promise.all([
      payload.update({ id, collection: 'posts', data: published('published (slow)', 1500) }),
      sleep(100).then(() =>
        payload.update({ id, collection: 'posts', data: { title: 'draft (fast)' }, draft: true }),
      ),
    ])
    const stored = await payload.findByID({ id, collection: 'posts' })
    const versions = await payload.findVersions({
      collection: 'posts',
      limit: 0,
      sort: '-updatedAt',
      where: { parent: { equals: id } },
    })
    // The publish is stored last: its document is its version whole, and that version is the
    // newest and the only latest one (the draft is an older version, as on db-postgres).
    expect(stored.title).toBe('published (slow)')
    const own = versions.docs.filter((version) => version.version.title === stored.title)
    expect(own.map((version) => version.version.updatedAt)).toEqual([stored.updatedAt])
    const latest = versions.docs.filter((version) => version.latest)
    expect(latest.map((version) => version.id)).toEqual([own[0].id])
    expect(versions.docs[0].id).toBe(own[0].id)
    const draft = await payload.findByID({ id, collection: 'posts', draft: true })
    expect(draft.title).toBe(stored.title)
  })

  it('leave a global and its latest version the same save', async () => {
    await payload.updateGlobal({ slug: 'site', data: published('v0', 0) })
    await Promise.all([
      payload.updateGlobal({ slug: 'site', data: published('first (slow)', 1500) }),
      sleep(100).then(() =>
        payload.updateGlobal({ slug: 'site', data: published('second (fast)', 0) }),
      ),
    ])
    const stored = await payload.findGlobal({ slug: 'site' })
    const draft = await payload.findGlobal({ slug: 'site', draft: true })
    const latest = await payload.findGlobalVersions({
      slug: 'site',
      where: { latest: { equals: true } },
    })
    // The slow one commits last, computed again over the fast one: its save is the one stored.
    expect(stored.title).toBe('first (slow)')
    expect(draft.title).toBe(stored.title)
    expect(latest.docs.map((version) => version.version.title)).toEqual([stored.title])
    const next = await payload.updateGlobal({ slug: 'site', data: { other: 'x' } })
    expect(next.title).toBe(stored.title)
  })
})
