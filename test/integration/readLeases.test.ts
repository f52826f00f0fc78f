/**
 * Read leases (src/leases/): a process that holds a small collection in memory and sees only its
 * own writes takes the collection's lease and answers finds and counts without any request.
 * Another process that writes the collection first takes the lease back and waits until the
 * holder has surely stopped answering from memory. Every answer must stay exact: a read that
 * begins after a write was acknowledged shows it, whichever process wrote, even when the holder
 * cannot reach DynamoDB to learn that its lease was taken back.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { recordedLease } from '../../src/indexes/indexRecord.js'
import { leaseServes } from '../../src/leases/holdLease.js'
import { holders } from '../../src/leases/leaseState.js'
import { revocationWait } from '../../src/leases/leaseTiming.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { boot, bootOnTable, closeAll } from '../support/bootPayload.js'
import { setEnv } from '../support/env.js'
import { endCooldown } from '../support/leaseCooldown.js'
import { startFaultProxy } from '../support/faultProxy.js'
import { watchSends } from '../support/journalItems.js'

const LEASE_MS = 300
const STATUSES = ['draft', 'published', 'archived']

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      { slug: 'authors', fields: [{ name: 'name', type: 'text' }] },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'status', type: 'select', index: true, options: STATUSES },
          { name: 'views', type: 'number', index: true },
          { name: 'author', type: 'relationship', relationTo: 'authors' },
        ],
      },
    ],
    db,
    secret: 'read-leases-test',
    telemetry: false,
  }
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

const QUERIES: { sort: string; where: Where }[] = [
  { sort: '-views', where: { status: { equals: 'published' } } },
  { sort: 'views', where: { views: { greater_than: 200, less_than_equal: 700 } } },
  { sort: 'title', where: { 'author.name': { equals: 'Author 2' } } },
  { sort: '-createdAt', where: {} },
  { sort: 'title', where: { title: { like: 'post 1' } } },
]

async function answers(payload: Payload): Promise<string[]> {
  const out: string[] = []
  for (const query of QUERIES) {
    const found = await payload.find({
      collection: 'posts',
      depth: 1,
      limit: 5,
      sort: query.sort,
      where: query.where,
    })
    const counted = await payload.count({ collection: 'posts', where: query.where })
    out.push(
      `${found.totalDocs}/${counted.totalDocs}:${found.docs
        .map((doc) => `${doc.title}=${doc.views}@${(doc.author as { name?: string })?.name}`)
        .join(',')}`,
    )
  }
  return out
}

async function seed(payload: Payload): Promise<void> {
  const authors: (number | string)[] = []
  for (let i = 0; i < 4; i++) {
    authors.push(
      (await payload.create({ collection: 'authors', data: { name: `Author ${i}` } })).id,
    )
  }
  for (let i = 0; i < 40; i++) {
    await payload.create({
      collection: 'posts',
      data: {
        author: authors[i % 4],
        status: STATUSES[i % 3],
        title: `Post ${i}`,
        views: (i * 317) % 1000,
      },
    })
  }
}

/** Queries until the process answers `posts` from its lease (at most `limit` rounds). */
async function untilLeased(payload: Payload, limit = 400): Promise<void> {
  const pk = collectionNamespace(adapterOf(payload), 'posts').pk
  for (let round = 0; round < limit; round++) {
    await payload.count({ collection: 'posts' })
    await payload.find({ collection: 'authors', depth: 0, limit: 1 })
    if (leaseServes(adapterOf(payload), pk)) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('the lease of posts was never taken')
}

describe('read leases', () => {
  const tableName = `read-leases-${randomUUID()}`
  const started: Payload[] = []
  let sqlite: Booted
  let restoreEnv = () => {}

  // Holding is what these tests are about: chosen, so `TEST_READ_CACHE=off` leaves it on.
  const start = async (options: Partial<DynamoDBAdapterArgs> = {}) => {
    const payload = await bootOnTable(config, tableName, { readCache: {}, ...options })
    started.push(payload)
    return payload
  }

  beforeAll(async () => {
    restoreEnv = setEnv('PAYLOAD_DYNAMODB_READ_LEASE_MS', String(LEASE_MS))
    sqlite = await boot(config, 'sqlite')
    await seed(sqlite.payload)
  }, 120_000)

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
    await closeAll(sqlite)
    restoreEnv()
  })

  it('answers from memory without any request while it holds the lease, as db-sqlite does', async () => {
    const holder = await start()
    await seed(holder)
    const expected = await answers(sqlite.payload)
    await untilLeased(holder)
    // Its relationship lookups read `authors`, held and leased as well.
    await answers(holder)
    const stats = adapterOf(holder).stats
    const before = stats.snapshot()
    expect(await answers(holder)).toEqual(expected)
    const after = stats.snapshot()
    // Five finds at depth 1 and five counts: no Query, GetItem or write; at most the lease's
    // own confirmations (a BatchGetItem every LEASE_MS / 3) in the background.
    const sent = (command: string) =>
      (after.requestsByCommand[command] ?? 0) - (before.requestsByCommand[command] ?? 0)
    expect(sent('Query')).toBe(0)
    expect(sent('Get')).toBe(0)
    expect(sent('TransactWrite')).toBe(0)
    expect(after.requests - before.requests).toBe(sent('BatchGet'))
    const explained = await adapterOf(holder).explain({
      collection: 'posts',
      sort: '-views',
      where: { status: { equals: 'published' } },
    })
    expect(explained.description).toContain("under this process's read lease")
    expect(explained.requests).toBe(0)

    // The holder's own writes: answered at once, still without reading the counter items.
    const created = await holder.create({
      collection: 'posts',
      data: { status: 'draft', title: 'Own write', views: 5000 },
    })
    const own = stats.snapshot()
    expect(
      (await holder.count({ collection: 'posts', where: { views: { equals: 5000 } } })).totalDocs,
    ).toBe(1)
    expect(stats.snapshot().requestsByCommand.Query ?? 0).toBe(own.requestsByCommand.Query ?? 0)
    await holder.delete({ collection: 'posts', id: created.id })
    expect(
      (await holder.count({ collection: 'posts', where: { views: { equals: 5000 } } })).totalDocs,
    ).toBe(0)
  }, 120_000)

  it("another process's write takes the lease back first, and the holder sees it at once", async () => {
    const holder = started[0]
    await untilLeased(holder)
    const other = await start()
    const target = (
      await holder.find({ collection: 'posts', where: { title: { equals: 'Post 7' } } })
    ).docs[0]
    const began = performance.now()
    await other.update({ collection: 'posts', data: { views: 7777 }, id: target.id })
    // It waited for the holder's lease to end before writing.
    expect(performance.now() - began).toBeGreaterThanOrEqual(revocationWait())
    const found = await holder.find({
      collection: 'posts',
      depth: 0,
      where: { views: { equals: 7777 } },
    })
    expect(found.docs.map((doc) => doc.id)).toEqual([target.id])
    const pk = collectionNamespace(adapterOf(holder), 'posts').pk
    expect(leaseServes(adapterOf(holder), pk)).toBe(false)
    // While it cools down, nobody takes the lease again: the next write does not wait.
    await holder.count({ collection: 'posts' })
    const again = performance.now()
    await other.update({ collection: 'posts', data: { views: (7 * 317) % 1000 }, id: target.id })
    expect(performance.now() - again).toBeLessThan(revocationWait())
    expect(
      recordedLease(adapterOf(other), collectionNamespace(adapterOf(other), 'posts')).owner,
    ).toBe(undefined)
    expect(await answers(holder)).toEqual(await answers(sqlite.payload))
  }, 120_000)

  it('never answers from a lease it can no longer confirm: a holder cut off from DynamoDB fails or shows the write', async () => {
    const proxy = await startFaultProxy()
    await endCooldown(started[0], 'posts')
    let holder: Payload | undefined
    try {
      // A new holder reaches DynamoDB through the proxy (one attempt per request).
      holder = await start({ clientConfig: proxy.clientConfig({ maxAttempts: 1 }) })
      await untilLeased(holder)
      const writer = started[1]
      const target = (
        await holder.find({ collection: 'posts', where: { title: { equals: 'Post 9' } } })
      ).docs[0]
      // Cut off: the holder can neither confirm its lease nor see that it is taken back.
      proxy.configure({ rates: { drop: 1 } })
      const wrote = writer
        .update({ collection: 'posts', data: { views: 9999 }, id: target.id })
        .then(() => performance.now())
      let acknowledgedAt = Number.POSITIVE_INFINITY
      void wrote.then((at) => {
        acknowledgedAt = at
      })
      const stale: string[] = []
      let answered = 0
      let failed = 0
      while (performance.now() < acknowledgedAt + 300) {
        const began = performance.now()
        try {
          const found = await holder.find({
            collection: 'posts',
            depth: 0,
            where: { title: { equals: 'Post 9' } },
          })
          answered++
          if (began > acknowledgedAt && found.docs[0]?.views !== 9999) {
            stale.push(`${Math.round(began - acknowledgedAt)} ms after the write`)
          }
        } catch {
          failed++
        }
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      await wrote
      // It answered from memory while the writer waited, then could not read at all.
      expect(answered).toBeGreaterThan(0)
      expect(failed).toBeGreaterThan(0)
      expect(stale).toEqual([])
      proxy.configure({})
      const healed = await holder.find({
        collection: 'posts',
        depth: 0,
        where: { title: { equals: 'Post 9' } },
      })
      expect(healed.docs[0]?.views).toBe(9999)
      await writer.update({ collection: 'posts', data: { views: (9 * 317) % 1000 }, id: target.id })
    } finally {
      if (holder) {
        proxy.configure({})
        await holder.destroy()
        started.splice(started.indexOf(holder), 1)
      }
      await proxy.close()
    }
  }, 120_000)

  it('stays exact while another process writes and the holder reads without pause', async () => {
    const holder = started[0]
    const writer = started[1]
    const counter = await writer.create({
      collection: 'posts',
      data: { status: 'archived', title: 'Counter', views: 0 },
    })
    let acknowledged = 0
    let created = 0
    let leased = 0
    let fromLease = 0
    const pk = collectionNamespace(adapterOf(holder), 'posts').pk
    let done = false
    const wrong: string[] = []
    const reading = (async () => {
      while (!done) {
        const mustSee = acknowledged
        const mustCount = created
        if (leaseServes(adapterOf(holder), pk)) {
          fromLease++
        }
        const [found, counted] = await Promise.all([
          holder.find({ collection: 'posts', depth: 0, where: { title: { equals: 'Counter' } } }),
          holder.count({ collection: 'posts', where: { title: { like: 'Extra' } } }),
        ])
        const views = Number(found.docs[0]?.views)
        if (views < mustSee) {
          wrong.push(`saw ${views} after ${mustSee} was acknowledged`)
        }
        if (counted.totalDocs < mustCount) {
          wrong.push(`counted ${counted.totalDocs} after ${mustCount} creates were acknowledged`)
        }
      }
    })()
    try {
      for (let round = 1; round <= 30; round++) {
        if (round % 10 === 1) {
          // The holder takes the lease again, and the writer takes it back.
          await endCooldown(holder, 'posts')
          await untilLeased(holder)
          leased++
        }
        await writer.update({ collection: 'posts', data: { views: round }, id: counter.id })
        acknowledged = round
        // And one read right after the acknowledgement, beside the loop's.
        const seen = await holder.find({
          collection: 'posts',
          depth: 0,
          where: { title: { equals: 'Counter' } },
        })
        if (seen.docs[0]?.views !== round) {
          wrong.push(`read ${seen.docs[0]?.views} right after ${round} was acknowledged`)
        }
        if (round % 3 === 0) {
          await writer.create({
            collection: 'posts',
            data: { status: 'draft', title: `Extra ${round}`, views: 8000 + round },
          })
          created++
        }
      }
    } finally {
      done = true
      await reading
    }
    expect(wrong).toEqual([])
    expect(leased).toBe(3)
    expect(fromLease).toBeGreaterThan(0)

    // Eight writers at once through Payload, the first of which takes the lease back.
    await endCooldown(holder, 'posts')
    await untilLeased(holder)
    const extras = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        writer.create({
          collection: 'posts',
          data: { status: STATUSES[i % 3], title: `Extra parallel ${i}`, views: 8100 + i },
        }),
      ),
    )
    expect(
      (
        await holder.count({
          collection: 'posts',
          where: { views: { greater_than_equal: 8100, less_than: 8200 } },
        })
      ).totalDocs,
    ).toBe(8)
    const published = { status: { equals: 'published' }, title: { like: 'Extra parallel' } }
    expect((await holder.count({ collection: 'posts', where: published })).totalDocs).toBe(
      (await writer.count({ collection: 'posts', where: published })).totalDocs,
    )
    expect(extras).toHaveLength(8)
    expect((await adapterOf(writer).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    await writer.delete({ collection: 'posts', where: { title: { like: 'Extra' } } })
    await writer.delete({ collection: 'posts', id: counter.id })
    expect(await answers(holder)).toEqual(await answers(sqlite.payload))
  }, 180_000)

  it('gives its leases back when destroyed: the next writer does not wait', async () => {
    const holder = await start()
    await endCooldown(holder, 'posts')
    await untilLeased(holder)
    await holder.destroy()
    started.splice(started.indexOf(holder), 1)
    const writer = started[1]
    const began = performance.now()
    const doc = await writer.create({
      collection: 'posts',
      data: { status: 'draft', title: 'After destroy', views: 1 },
    })
    expect(performance.now() - began).toBeLessThan(revocationWait())
    await writer.delete({ collection: 'posts', id: doc.id })
  }, 120_000)

  it('gives its leases back when destroyed while it was taking one', async () => {
    const holder = await start()
    await endCooldown(holder, 'posts')
    const adapter = adapterOf(holder)
    // Counts until a taking of the lease is under way, then destroys the adapter at once.
    let taking = false
    for (let round = 0; round < 400 && !taking; round++) {
      await holder.count({ collection: 'posts' })
      taking = (holders.get(adapter)?.acquiring.size ?? 0) > 0
    }
    expect(taking).toBe(true)
    await adapter.destroy?.()
    // Before: the taking finished after destroy, and the closed adapter held (and renewed) it.
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(holders.get(adapter)?.holdings.size ?? 0).toBe(0)
    await holder.destroy()
    started.splice(started.indexOf(holder), 1)
    expect(holders.get(adapter)?.timer).toBeUndefined()
    const writer = started[1]
    const began = performance.now()
    const doc = await writer.create({
      collection: 'posts',
      data: { status: 'draft', title: 'After destroy', views: 1 },
    })
    expect(performance.now() - began).toBeLessThan(revocationWait())
    await writer.delete({ collection: 'posts', id: doc.id })
  }, 120_000)

  /** A process that holds the four authors (not the 40 posts) until a fifth is created. */
  const holdingFourAuthors = async () => {
    const holder = await start({ readCache: { maxDocuments: 4 } })
    const writer = started[1] as Payload
    // Taken back from the processes of the tests before, which held the authors too.
    const temporary = await writer.create({ collection: 'authors', data: { name: 'temporary' } })
    await writer.delete({ collection: 'authors', id: temporary.id })
    await endCooldown(holder, 'authors')
    const adapter = adapterOf(holder)
    return { adapter, holder, pk: collectionNamespace(adapter, 'authors').pk, writer }
  }

  it('gives a lease back when the collection grows past what it holds: reads by id do not keep it', async () => {
    const { adapter, holder, pk, writer } = await holdingFourAuthors()
    let leased = false
    for (let round = 0; round < 400 && !leased; round++) {
      await holder.count({ collection: 'authors' })
      leased = leaseServes(adapter, pk)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(leased).toBe(true)
    const fifth = await holder.create({ collection: 'authors', data: { name: 'Author 5' } })
    await holder.count({ collection: 'authors' })
    // Reads by id go on (each would renew a lease it still held) past the next renewal.
    for (let round = 0; round < 10; round++) {
      await holder.findByID({ collection: 'authors', id: fifth.id })
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS / 5))
    }
    expect(holders.get(adapter)?.holdings.has(pk) ?? false).toBe(false)
    const began = performance.now()
    await writer.update({ collection: 'authors', data: { name: 'Author 5b' }, id: fifth.id })
    // Before: it waited for the revocation of a lease nothing was answered from.
    expect(performance.now() - began).toBeLessThan(revocationWait())
    await writer.delete({ collection: 'authors', id: fifth.id })
  }, 120_000)

  it('gives a lease back that it was still taking when the collection grew past what it holds', async () => {
    const { adapter, holder, pk, writer } = await holdingFourAuthors()
    // The taking's request (conditional on the lease being free) waits until the collection
    // has been found too large.
    let held = false
    let letGo = () => {}
    const gate = new Promise<void>((resolve) => (letGo = resolve))
    const watch = watchSends(adapter, async (command) => {
      if (!held && JSON.stringify(command.input).includes('attribute_not_exists(#lo)')) {
        held = true
        await gate
      }
    })
    try {
      for (let round = 0; round < 400 && !held; round++) {
        void holder.count({ collection: 'authors' })
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      expect(held).toBe(true)
      const fifth = await holder.create({ collection: 'authors', data: { name: 'Author 5' } })
      await holder.count({ collection: 'authors' })
      letGo()
      await holders.get(adapter)?.acquiring.get(pk)
      // Before: the taking ended after the release, and the lease stayed held.
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect(holders.get(adapter)?.holdings.has(pk) ?? false).toBe(false)
      expect(recordedLease(adapter, collectionNamespace(adapter, 'authors')).owner).toBeUndefined()
      const began = performance.now()
      await writer.update({ collection: 'authors', data: { name: 'Author 5b' }, id: fifth.id })
      expect(performance.now() - began).toBeLessThan(revocationWait())
      await writer.delete({ collection: 'authors', id: fifth.id })
    } finally {
      letGo()
      watch.restore()
    }
  }, 120_000)
})
