/**
 * Two publishes of one document (and of one global) racing, each in Payload's own transaction:
 * the first one's `afterChange` waits 1.5 s, so the second commits first and the first's commit is
 * computed again over it (`onConflict: 'retry'`). The document and its latest version must be
 * the same save: the row was the last commit's while `latest` stayed on the version with the
 * newer `updatedAt` (the second's), so drafts showed the other title and the next save built
 * on it, undoing the acknowledged one. The commit computed again moves the stamps it writes after
 * the other save (src/write/replayStamp.ts), all of them by the same time, so the saves of one
 * transaction keep their order (a draft after a publish), stamps set by the caller stay, and a
 * commit computed again over a newer draft alone keeps its stamps: the document stays one of its
 * versions whole (the drafts soak, seed 327, found a version stamped apart from its document; a
 * review found a draft saved after a publish in one transaction pushed behind it).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { commitTransaction, createLocalReq, initTransaction } from 'payload'

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
    // Never saved before its racing first publishes.
    {
      slug: 'fresh',
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

  it('leave a publish computed again over a newer draft one of its versions whole', async () => {
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
    // The draft did not touch the document: the publish is stored with its own stamp, one of
    // its versions whole, and the newer draft stays the latest version (as on db-postgres).
    expect(stored.title).toBe('published (slow)')
    const own = versions.docs.filter((version) => version.version.title === stored.title)
    expect(own.map((version) => version.version.updatedAt)).toEqual([stored.updatedAt])
    const latest = versions.docs.filter((version) => version.latest)
    expect(latest.map((version) => version.version.title)).toEqual(['draft (fast)'])
    expect(versions.docs[0].id).toBe(latest[0].id)
    const draft = await payload.findByID({ id, collection: 'posts', draft: true })
    expect(draft.title).toBe('draft (fast)')
  })

  it('keep the order of the saves of one transaction computed again', async () => {
    const { id } = await payload.create({ collection: 'posts', data: published('v0', 0) })
    const req = await createLocalReq({}, payload)
    await initTransaction(req)
    await payload.update({ id, collection: 'posts', data: published('p1', 0), req })
    await payload.update({ id, collection: 'posts', data: { title: 'd2' }, draft: true, req })
    // Saved by another request before the commit: the transaction's steps run again over it.
    await payload.update({ id, collection: 'posts', data: published('outside', 0) })
    await commitTransaction(req)
    const stored = await payload.findByID({ id, collection: 'posts' })
    const draft = await payload.findByID({ id, collection: 'posts', draft: true })
    const versions = await payload.findVersions({
      collection: 'posts',
      limit: 0,
      sort: '-updatedAt',
      where: { parent: { equals: id } },
    })
    expect(stored.title).toBe('p1')
    // The draft saved after the publish stays after it: the latest version, and the draft.
    expect(versions.docs.slice(0, 2).map((version) => version.version.title)).toEqual(['d2', 'p1'])
    expect(versions.docs.filter((version) => version.latest).map((v) => v.version.title)).toEqual([
      'd2',
    ])
    expect(draft.title).toBe('d2')
    // The published document is its version whole.
    expect(versions.docs[1].version.updatedAt).toBe(stored.updatedAt)
  })

  it('stamp a long transaction computed again no later than its commit', async () => {
    const { id } = await payload.create({ collection: 'posts', data: published('v0', 0) })
    const req = await createLocalReq({}, payload)
    await initTransaction(req)
    await sleep(1500)
    await payload.update({ id, collection: 'posts', data: published('long', 0), req })
    await payload.update({ id, collection: 'posts', data: published('outside', 0) })
    await commitTransaction(req)
    const committed = new Date().toISOString()
    const stored = await payload.findByID({ id, collection: 'posts' })
    expect(stored.title).toBe('long')
    expect(stored.updatedAt <= committed).toBe(true)
    // A save right after is the newest: its document, latest version and draft, and the next
    // save builds on it.
    await payload.update({ id, collection: 'posts', data: published('next', 0) })
    expect((await payload.findByID({ id, collection: 'posts', draft: true })).title).toBe('next')
    const after = await payload.update({ id, collection: 'posts', data: { _status: 'published' } })
    expect(after.title).toBe('next')
  })

  it('stamp a document created in a transaction computed again as its version', async () => {
    const { id } = await payload.create({ collection: 'posts', data: published('v0', 0) })
    const req = await createLocalReq({}, payload)
    await initTransaction(req)
    await payload.update({ id, collection: 'posts', data: published('p1', 0), req })
    const created = await payload.create({ collection: 'posts', data: published('new', 0), req })
    await payload.update({ id, collection: 'posts', data: published('outside', 0) })
    await commitTransaction(req)
    const stored = await payload.findByID({ id: created.id, collection: 'posts' })
    const versions = await payload.findVersions({
      collection: 'posts',
      where: { parent: { equals: created.id } },
    })
    expect(versions.docs.map((version) => version.version.updatedAt)).toEqual([stored.updatedAt])
  })

  it('move the stamps of a document saved meanwhile only, not of the others', async () => {
    const x = await payload.create({ collection: 'posts', data: published('x0', 0) })
    const y = await payload.create({ collection: 'posts', data: published('y0', 0) })
    const req = await createLocalReq({}, payload)
    await initTransaction(req)
    await payload.update({ id: x.id, collection: 'posts', data: published('x-tx', 0), req })
    await payload.update({ id: y.id, collection: 'posts', data: published('y-tx', 0), req })
    await sleep(20)
    await payload.update({ id: x.id, collection: 'posts', data: published('x-outside', 0) })
    const newer = { title: 'y-draft-outside' }
    await payload.update({ id: y.id, collection: 'posts', data: newer, draft: true })
    await commitTransaction(req)
    // X, saved meanwhile, is the transaction's save; Y's newer draft stays its draft.
    expect((await payload.findByID({ id: x.id, collection: 'posts', draft: true })).title).toBe(
      'x-tx',
    )
    expect((await payload.findByID({ id: y.id, collection: 'posts', draft: true })).title).toBe(
      'y-draft-outside',
    )
  })

  it("not count the transaction's own earlier write as a save made meanwhile", async () => {
    const { id } = await payload.create({ collection: 'posts', data: published('v0', 0) })
    const req = await createLocalReq({}, payload)
    await initTransaction(req)
    // No updatedAt: stamped again from the clock whenever the commit runs the steps again.
    await payload.db.updateOne({ id, collection: 'posts', data: { other: 'x' }, req })
    await payload.update({ id, collection: 'posts', data: published('pub', 0), req })
    await sleep(20)
    await payload.update({ id, collection: 'posts', data: { title: 'newer draft' }, draft: true })
    await commitTransaction(req)
    expect((await payload.findByID({ id, collection: 'posts', draft: true })).title).toBe(
      'newer draft',
    )
  })

  it('keep an updatedAt the caller set before the transaction began', async () => {
    const { id } = await payload.create({ collection: 'posts', data: published('v0', 0) })
    const req = await createLocalReq({}, payload)
    await initTransaction(req)
    const imported = '2020-01-01T00:00:00.000Z'
    await payload.db.updateOne({
      id,
      collection: 'posts',
      data: { title: 'imported', updatedAt: imported },
      req,
    })
    await payload.update({ id, collection: 'posts', data: published('outside', 0) })
    await commitTransaction(req)
    const stored = await payload.db.findOne<{ id: string; updatedAt?: string }>({
      collection: 'posts',
      where: { id: { equals: id } },
    })
    expect(stored?.updatedAt).toBe(imported)
  })

  it('leave each document of parallel saves in one transaction one of its versions whole', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await payload.create({ collection: 'posts', data: published('a0', 0) })
      const b = await payload.create({ collection: 'posts', data: published('b0', 0) })
      const req = await createLocalReq({}, payload)
      await initTransaction(req)
      // Their steps interleave: the documents, then the versions.
      await Promise.all([
        payload.update({ id: a.id, collection: 'posts', data: published('a1', 0), req }),
        payload.update({ id: b.id, collection: 'posts', data: published('b1', 0), req }),
      ])
      await payload.update({ id: b.id, collection: 'posts', data: published('b-outside', 0) })
      await commitTransaction(req)
      for (const { id } of [a, b]) {
        const stored = await payload.findByID({ id, collection: 'posts' })
        const latest = await payload.findVersions({
          collection: 'posts',
          where: { and: [{ parent: { equals: id } }, { latest: { equals: true } }] },
        })
        expect(latest.docs.map((version) => version.version.updatedAt)).toEqual([stored.updatedAt])
      }
    }
  })

  it('leave a global first published twice at once and its latest version the same save', async () => {
    await Promise.all([
      payload.updateGlobal({ slug: 'fresh', data: published('slow', 1500) }),
      sleep(100).then(() => payload.updateGlobal({ slug: 'fresh', data: published('fast', 0) })),
    ])
    const stored = await payload.findGlobal({ slug: 'fresh' })
    const latest = await payload.findGlobalVersions({
      slug: 'fresh',
      where: { latest: { equals: true } },
    })
    expect(latest.docs.map((version) => version.version.title)).toEqual([stored.title])
    const next = await payload.updateGlobal({ slug: 'fresh', data: { other: 'x' } })
    expect(next.title).toBe(stored.title)
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
