/**
 * A rolling deploy that removes an index: the new config drops it (`syncIndexes`) while
 * processes of the old config, which still declare it, keep answering queries and never write.
 * They must never answer from entries being deleted or gone: every query stays exact during
 * and after the drop, because they plan with a recent state of the indexes and the drop waits
 * until they have read it (src/indexes/stateFreshness.ts).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { indexDropWait } from '../../src/indexes/stateFreshness.js'
import { bootOnTable } from '../support/bootPayload.js'
import { startFaultProxy } from '../support/faultProxy.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'

const POSTS = 400

function config(slugIndexed: boolean) {
  return (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'slug', type: 'text', index: slugIndexed },
          { name: 'title', type: 'text' },
        ],
      },
    ],
    db,
    secret: 'dropped-index-readers-secret',
    telemetry: false,
  })
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

describe('an index dropped by a newer config while an older one reads it', () => {
  const tableName = `dropped-index-readers-${randomUUID()}`
  const started: Payload[] = []
  // Short, so that the drop's wait (twice this) keeps the test quick; long enough that
  // the entries' deletion (400 documents) ends well within it, which a drop without the wait
  // would make the old process read.
  useIndexStateMaxAge(1500)

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('keeps every query of the old config exact during and after the drop', async () => {
    // Not held in memory: the old process answers `slug equals` from the index.
    const old = await bootOnTable(config(true), tableName, {
      buildIndexes: true,
      readCache: false,
    })
    started.push(old)
    for (let i = 0; i < POSTS; i++) {
      await old.create({ collection: 'posts', data: { slug: `post-${i}`, title: `Post ${i}` } })
    }
    const planOf = async (slug: string) =>
      (
        await adapterOf(old).explain({
          collection: 'posts',
          where: { slug: { equals: slug } },
        })
      ).plan.kind
    expect(await planOf('post-1')).toBe('index')

    const current = await bootOnTable(config(false), tableName, { buildIndexes: false })
    started.push(current)

    // The old process queries without pause while the new one drops the index.
    let dropping = true
    const wrong: string[] = []
    let asked = 0
    const reader = (async () => {
      for (let i = 0; dropping || i < 5; i++) {
        const n = (i * 7) % POSTS
        const found = await old.find({
          collection: 'posts',
          depth: 0,
          where: { slug: { equals: `post-${n}` } },
        })
        const count = await old.count({
          collection: 'posts',
          where: { slug: { in: [`post-${n}`, `post-${(n + 1) % POSTS}`] } },
        })
        asked++
        if (found.totalDocs !== 1 || found.docs[0]?.slug !== `post-${n}` || count.totalDocs !== 2) {
          wrong.push(
            `post-${n}: ${found.docs.length} of ${found.totalDocs} found, count ${count.totalDocs}`,
          )
        }
      }
    })()
    const dropStarted = Date.now()
    const report = await adapterOf(current).syncIndexes()
    dropping = false
    await reader

    expect(report.stale).toEqual(['posts/slug'])
    // The drop waited for readers before deleting anything.
    expect(Date.now() - dropStarted).toBeGreaterThanOrEqual(indexDropWait())
    expect(asked).toBeGreaterThan(5)
    expect(wrong).toEqual([])
    // The old process has stopped reading the index (its entries are gone) and answers from the
    // collection instead, still exactly.
    expect(await planOf('post-2')).toBe('partition')
    const after = await old.find({ collection: 'posts', where: { slug: { equals: 'post-2' } } })
    expect(after.docs.map((doc) => doc.slug)).toEqual(['post-2'])
    expect((await adapterOf(current).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
  })
})

describe('a query that outlasts the wait of a drop', () => {
  const tableName = `dropped-index-long-query-${randomUUID()}`
  const started: Payload[] = []
  // The drop waits 600 ms; a query whose state is older than 300 ms when it ends rechecks it.
  useIndexStateMaxAge(300)

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('runs again without the index when its entries were deleted while it read them', async () => {
    const proxy = await startFaultProxy()
    try {
      const old = await bootOnTable(config(true), tableName, {
        buildIndexes: true,
        clientConfig: proxy.clientConfig(),
        readCache: false,
      })
      started.push(old)
      for (let i = 0; i < 20; i++) {
        await old.create({ collection: 'posts', data: { slug: `post-${i}`, title: `Post ${i}` } })
      }
      const current = await bootOnTable(config(false), tableName, { buildIndexes: false })
      started.push(current)

      // The old process's index read reaches DynamoDB only after the drop's wait is over.
      proxy.configure({ delayMs: 1_500, operations: ['Query'], rates: { delay: 1 } })
      const reading = old.find({
        collection: 'posts',
        depth: 0,
        where: { slug: { equals: 'post-3' } },
      })
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect((await adapterOf(current).syncIndexes()).stale).toEqual(['posts/slug'])
      const found = await reading
      proxy.configure({})

      expect(found.docs.map((doc) => doc.slug)).toEqual(['post-3'])
      expect(found.totalDocs).toBe(1)
      expect(proxy.counts().delay).toBeGreaterThan(0)
    } finally {
      await proxy.close()
    }
  })
})

describe('indexes rebuilt while another process reads them', () => {
  const tableName = `rebuilt-index-readers-${randomUUID()}`
  const started: Payload[] = []
  useIndexStateMaxAge(1500)

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('keeps every query of the reader exact while the entries are cleared and written again', async () => {
    const reader = await bootOnTable(config(true), tableName, {
      buildIndexes: true,
      readCache: false,
    })
    started.push(reader)
    for (let i = 0; i < POSTS; i++) {
      await reader.create({ collection: 'posts', data: { slug: `post-${i}`, title: `Post ${i}` } })
    }
    const rebuilder = await bootOnTable(config(true), tableName, { buildIndexes: false })
    started.push(rebuilder)

    let rebuilding = true
    const wrong: string[] = []
    let asked = 0
    const reading = (async () => {
      for (let i = 0; rebuilding || i < 5; i++) {
        const n = (i * 11) % POSTS
        const found = await reader.find({
          collection: 'posts',
          depth: 0,
          where: { slug: { equals: `post-${n}` } },
        })
        asked++
        if (found.totalDocs !== 1 || found.docs[0]?.slug !== `post-${n}`) {
          wrong.push(`post-${n}: ${found.docs.length} of ${found.totalDocs} found`)
        }
      }
    })()
    expect(await adapterOf(rebuilder).rebuildIndexes({ collection: 'posts' })).toBe(POSTS)
    rebuilding = false
    await reading

    expect(asked).toBeGreaterThan(5)
    expect(wrong).toEqual([])
    // The reader plans with the index again once it is recorded complete.
    await new Promise((resolve) => setTimeout(resolve, 1_600))
    const explained = await adapterOf(reader).explain({
      collection: 'posts',
      where: { slug: { equals: 'post-5' } },
    })
    expect(explained.plan.kind).toBe('index')
    expect((await adapterOf(reader).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
  })
})
