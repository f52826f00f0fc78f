/**
 * Small collections held in memory (read/snapshots.ts): finds and counts answered from memory
 * after one read of the collection's counter items, exact whichever process writes. Two Payloads
 * share one table here (two processes as far as the adapter knows: each holds its own snapshot);
 * one writes, the other reads, and every read after a write was acknowledged must show it.
 * Answers are compared with db-sqlite's and with a third Payload that holds nothing.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, bootOnTable as bootShared, closeAll } from '../support/bootPayload.js'

const STATUSES = ['draft', 'published', 'archived']

function config(db: DatabaseAdapterObj, ratingIndexed = false): Config {
  return {
    collections: [
      { slug: 'authors', fields: [{ name: 'name', type: 'text' }] },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'status', type: 'select', index: true, options: STATUSES },
          { name: 'views', type: 'number', index: true },
          { name: 'rating', type: 'number', index: ratingIndexed },
          { name: 'author', type: 'relationship', relationTo: 'authors' },
          { name: 'meta', type: 'group', fields: [{ name: 'note', type: 'text' }] },
        ],
      },
    ],
    db,
    secret: 'read-cache-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

const tableName = `read-cache-${randomUUID()}`

function bootOnTable(
  readCache?: DynamoDBAdapterArgs['readCache'],
  options: Partial<DynamoDBAdapterArgs> = {},
  ratingIndexed = false,
): Promise<Payload> {
  return bootShared((db) => config(db, ratingIndexed), tableName, { readCache, ...options })
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

const QUERIES: { sort: string; where: Where }[] = [
  { sort: '-views', where: { status: { equals: 'published' } } },
  { sort: 'title', where: { rating: { in: [1, 3] } } },
  { sort: 'views', where: { views: { greater_than: 200, less_than_equal: 700 } } },
  {
    sort: '-title',
    where: { or: [{ rating: { exists: false } }, { status: { equals: 'draft' } }] },
  },
  { sort: 'views', where: { 'author.name': { equals: 'Author 2' } } },
  { sort: '-createdAt', where: {} },
  { sort: 'title', where: { title: { like: 'post 1' } } },
]

async function answers(payload: Payload, ids: Pick<IDs, 'authors'>): Promise<string[]> {
  const out: string[] = []
  for (const query of QUERIES) {
    const found = await payload.find({
      collection: 'posts',
      depth: 0,
      limit: 7,
      page: 2,
      sort: query.sort,
      where: query.where,
    })
    const counted = await payload.count({ collection: 'posts', where: query.where })
    out.push(
      `${found.totalDocs}/${counted.totalDocs}:${found.docs.map((doc) => `${doc.title}=${doc.views}`).join(',')}`,
    )
  }
  out.push(String(ids.authors.length))
  return out
}

type IDs = { authors: (number | string)[]; posts: (number | string)[] }

/** Runs `readers` loops of `read` until every writer is done; returns what the reads threw. */
async function readWhile(
  writers: Promise<void>[],
  readers: number,
  read: () => Promise<unknown>,
): Promise<unknown[]> {
  let stop = false
  const errors: unknown[] = []
  const reading = Array.from({ length: readers }, async () => {
    while (!stop) {
      try {
        await read()
      } catch (error) {
        errors.push(error)
      }
    }
  })
  try {
    await Promise.all(writers)
  } finally {
    stop = true
    await Promise.all(reading)
  }
  return errors
}

async function seed(payload: Payload): Promise<IDs> {
  const authors: (number | string)[] = []
  for (let i = 0; i < 4; i++) {
    authors.push(
      (await payload.create({ collection: 'authors', data: { name: `Author ${i}` } })).id,
    )
  }
  const posts: (number | string)[] = []
  for (let i = 0; i < 60; i++) {
    const doc = await payload.create({
      collection: 'posts',
      data: {
        author: authors[i % 4],
        meta: { note: `note ${i}` },
        rating: i % 6 === 0 ? null : i % 5,
        status: STATUSES[i % 3],
        title: `Post ${i}`,
        views: (i * 317) % 1000,
      },
    })
    posts.push(doc.id)
  }
  return { authors, posts }
}

describe('small collections held in memory', () => {
  let reader: Payload
  let writer: Payload
  let uncached: Payload
  let sqlite: Booted
  let ids: IDs
  let sqliteIDs: IDs

  beforeAll(async () => {
    writer = await bootOnTable()
    reader = await bootOnTable()
    uncached = await bootOnTable(false)
    sqlite = await boot(config, 'sqlite')
    ;[ids, sqliteIDs] = await Promise.all([seed(writer), seed(sqlite.payload)])
  }, 120_000)

  afterAll(async () => {
    await Promise.all([reader?.destroy(), writer?.destroy(), uncached?.destroy()])
    await closeAll(sqlite)
  })

  it('answers finds and counts from memory with one small read each, as db-sqlite does', async () => {
    // Without the read lease (read-leases.test.ts), which would answer without any request.
    const checking = await bootOnTable({ lease: false })
    const expected = await answers(sqlite.payload, sqliteIDs)
    expect(await answers(checking, ids)).toEqual(expected)
    const stats = adapterOf(checking).stats
    const before = stats.snapshot()
    expect(await answers(checking, ids)).toEqual(expected)
    const after = stats.snapshot()
    // Seven finds and seven counts, the relationship path's lookups of authors included (each
    // a held collection too): one Query of counter items per collection read, nothing else.
    const requests = after.requests - before.requests
    expect(requests).toBeGreaterThanOrEqual(14)
    expect(requests).toBeLessThanOrEqual(18)
    expect(after.requestsByCommand.Query - (before.requestsByCommand.Query ?? 0)).toBe(requests)
    expect(after.itemsRead - before.itemsRead).toBeLessThan(requests * 10)
    const explained = await adapterOf(checking).explain({
      collection: 'posts',
      sort: '-views',
      where: { status: { equals: 'published' } },
    })
    expect(explained.plan.kind).toBe('partition')
    expect(explained.description).toContain('held in memory')
    expect(explained.requests).toBe(1)
    await checking.destroy()
  })

  it('hands out copies: changing a returned document changes nothing held', async () => {
    const first = await reader.find({ collection: 'posts', depth: 0, sort: 'title', limit: 1 })
    const doc = first.docs[0] as unknown as Record<string, unknown> & { meta: { note: string } }
    doc.title = 'changed by the caller'
    doc.meta.note = 'changed too'
    const again = await reader.find({ collection: 'posts', depth: 0, sort: 'title', limit: 1 })
    expect(again.docs[0].title).toBe('Post 0')
    expect((again.docs[0] as unknown as { meta: { note: string } }).meta.note).toBe('note 0')
  })

  it('sees every write acknowledged to another process before the read began', async () => {
    // Warm the reader's snapshot, then alternate: a write on the writer, a read on the reader.
    await reader.count({ collection: 'posts' })
    for (let round = 0; round < 12; round++) {
      const id = ids.posts[round]
      const views = 5000 + round
      await writer.update({ collection: 'posts', data: { views }, id })
      const found = await reader.find({
        collection: 'posts',
        depth: 0,
        where: { views: { equals: views } },
      })
      expect(found.docs.map((doc) => doc.id)).toEqual([id])
      const created = await writer.create({
        collection: 'posts',
        data: { status: 'draft', title: `Extra ${round}`, views: 9000 + round },
      })
      expect(
        (
          await reader.count({
            collection: 'posts',
            where: { views: { greater_than_equal: 9000 } },
          })
        ).totalDocs,
      ).toBe(1)
      await writer.delete({ collection: 'posts', id: created.id })
      expect(
        (
          await reader.count({
            collection: 'posts',
            where: { views: { greater_than_equal: 9000 } },
          })
        ).totalDocs,
      ).toBe(0)
      // Put the document back as it was (the comparison with db-sqlite below needs it).
      await writer.update({ collection: 'posts', data: { views: (round * 317) % 1000 }, id })
    }
    expect(await answers(reader, ids)).toEqual(await answers(sqlite.payload, sqliteIDs))
  }, 120_000)

  it('catches up with its own writes from what they stored, and reads what another process wrote', async () => {
    // A Payload of its own: the reader's snapshot is backing off after the writes above. It and
    // the other writer below use one counter shard: every write of either stamps the same item.
    // Without the read lease, under which it would not read the counter items (readLeases.test.ts).
    const own = await bootOnTable({ lease: false }, { counterShards: 1 })
    const sameShard = await bootOnTable(undefined, { counterShards: 1 })
    const stats = adapterOf(own).stats
    await own.count({ collection: 'posts' })
    for (let round = 0; round < 6; round++) {
      const id = ids.posts[20 + round]
      await own.update({ collection: 'posts', data: { views: 7000 + round }, id })
      const created = await own.create({
        collection: 'posts',
        data: { status: 'draft', title: `Own ${round}`, views: 7100 + round },
      })
      const before = stats.snapshot()
      const found = await own.find({
        collection: 'posts',
        depth: 0,
        where: { views: { in: [7000 + round, 7100 + round] } },
      })
      const after = stats.snapshot()
      expect(found.docs.map((doc) => doc.id).sort()).toEqual([id, created.id].sort())
      // The counter items only: the snapshot takes in what its own writes stored (they were the
      // only writes since), without reading those documents or the collection's 60-odd.
      expect(after.requests - before.requests).toBe(1)
      expect(after.itemsRead - before.itemsRead).toBeLessThan(20)
      await own.delete({ collection: 'posts', id: created.id })
      expect(
        (
          await own.count({
            collection: 'posts',
            where: { views: { greater_than_equal: 7100 } },
          })
        ).totalDocs,
      ).toBe(0)
      await own.update({ collection: 'posts', data: { views: ((20 + round) * 317) % 1000 }, id })
    }
    // Another process writes between this one's write and its read: that write shows too.
    const [mine, other] = [ids.posts[20], ids.posts[30]]
    await sameShard.update({ collection: 'posts', data: { views: 7200 }, id: other })
    await own.update({ collection: 'posts', data: { views: 7300 }, id: mine })
    const both = await own.find({
      collection: 'posts',
      depth: 0,
      where: { views: { in: [7200, 7300] } },
    })
    expect(both.docs.map((doc) => doc.id).sort()).toEqual([mine, other].sort())
    await sameShard.update({ collection: 'posts', data: { views: (30 * 317) % 1000 }, id: other })
    await own.update({ collection: 'posts', data: { views: (20 * 317) % 1000 }, id: mine })
    expect(await answers(reader, ids)).toEqual(await answers(sqlite.payload, sqliteIDs))
  }, 120_000)

  it('lets go of a snapshot written far more than read, and stays exact', async () => {
    const busy = await bootOnTable()
    try {
      await busy.count({ collection: 'posts' })
      // More of its own writes than a snapshot keeps track of, with no read in between.
      for (let i = 0; i < 55; i++) {
        await busy.update({ collection: 'posts', data: { rating: i % 5 }, id: ids.posts[i] })
      }
      for (let round = 0; round < 3; round++) {
        expect(await answers(busy, ids)).toEqual(await answers(uncached, ids))
      }
      // Put the ratings back as seeded (the comparisons with db-sqlite need them).
      for (let i = 0; i < 55; i++) {
        await busy.update({
          collection: 'posts',
          data: { rating: i % 6 === 0 ? null : i % 5 },
          id: ids.posts[i],
        })
      }
      expect(await answers(busy, ids)).toEqual(await answers(sqlite.payload, sqliteIDs))
    } finally {
      await busy.destroy()
    }
  }, 120_000)

  it('stays exact while eight writers change documents and readers query at once', async () => {
    const writers = Array.from({ length: 8 }, async (_, lane) => {
      for (let step = 0; step < 12; step++) {
        const id = ids.posts[(lane * 7 + step) % ids.posts.length]
        await writer.update({
          collection: 'posts',
          data: { status: STATUSES[(lane + step) % 3], views: (lane * 131 + step * 17) % 1000 },
          id,
        })
      }
    })
    expect(await readWhile(writers, 1, () => answers(reader, ids))).toEqual([])
    // After the writers: what the reader answers is what a Payload holding nothing answers, the
    // totals match the documents, and every index is right.
    const held = await answers(reader, ids)
    expect(held).toEqual(await answers(uncached, ids))
    for (const status of STATUSES) {
      const all = await uncached.find({
        collection: 'posts',
        depth: 0,
        limit: 0,
        pagination: false,
        where: { status: { equals: status } },
      })
      expect(
        (await reader.count({ collection: 'posts', where: { status: { equals: status } } }))
          .totalDocs,
      ).toBe(all.docs.length)
    }
    expect((await adapterOf(reader).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
  }, 180_000)

  it('stays exact while eight writers of the same process change documents it is reading', async () => {
    // Its own writes are caught up by key while others of its own land meanwhile.
    const shared = await bootOnTable()
    try {
      const writers = Array.from({ length: 8 }, async (_, lane) => {
        for (let step = 0; step < 10; step++) {
          const id = ids.posts[(lane * 5 + step) % ids.posts.length]
          await shared.update({
            collection: 'posts',
            data: { rating: (lane + step) % 5, status: STATUSES[(lane * 3 + step) % 3] },
            id,
          })
        }
      })
      expect(await readWhile(writers, 2, () => answers(shared, ids))).toEqual([])
      expect(await answers(shared, ids)).toEqual(await answers(uncached, ids))
      const found = await shared.find({
        collection: 'posts',
        depth: 0,
        limit: 0,
        pagination: false,
      })
      const stored = await uncached.find({
        collection: 'posts',
        depth: 0,
        limit: 0,
        pagination: false,
      })
      const shape = (docs: { id: number | string; rating?: unknown; status?: unknown }[]) =>
        docs.map((doc) => `${doc.id}:${String(doc.rating)}:${String(doc.status)}`).sort()
      expect(shape(found.docs)).toEqual(shape(stored.docs))
      expect((await adapterOf(shared).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    } finally {
      await shared.destroy()
    }
  }, 180_000)

  it('sees an index build mark the documents it holds (their revisions move on)', async () => {
    // Both know a new index on `rating`; neither builds it on start. One holds the collection,
    // the other builds the index, which marks every document counted (a new `rev`).
    const holder = await bootOnTable(undefined, { buildIndexes: false }, true)
    const builder = await bootOnTable(undefined, { buildIndexes: false }, true)
    try {
      const before = await holder.find({ collection: 'posts', depth: 0, limit: 3, sort: 'title' })
      expect(before.docs).toHaveLength(3)
      await adapterOf(builder).syncIndexes()
      // A write conditioned on what the holder read: with revisions older than the build's, it
      // would be refused on every attempt (and end in a 409).
      await adapterOf(holder).updateMany({
        collection: 'posts',
        data: { meta: { note: 'after the build' } },
        where: { status: { equals: 'archived' } },
      })
      const archived = await uncached.find({
        collection: 'posts',
        depth: 0,
        limit: 0,
        pagination: false,
        where: { status: { equals: 'archived' } },
      })
      expect(archived.docs.length).toBeGreaterThan(0)
      expect(
        archived.docs.every(
          (doc) => (doc as unknown as { meta: { note: string } }).meta.note === 'after the build',
        ),
      ).toBe(true)
      expect((await adapterOf(builder).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    } finally {
      await Promise.all([holder.destroy(), builder.destroy()])
    }
  }, 120_000)

  it('does not hold a collection larger than maxDocuments, and the option turns it off', async () => {
    const small = await bootOnTable({ maxDocuments: 10 })
    try {
      const explained = await adapterOf(small).explain({
        collection: 'posts',
        where: { status: { equals: 'draft' } },
      })
      expect(explained.plan.kind).toBe('index')
      // Authors (4) are held: a relationship path reads them from memory.
      const byAuthor = await adapterOf(small).explain({
        collection: 'authors',
        where: { name: { equals: 'Author 1' } },
      })
      expect(byAuthor.description).toContain('held in memory')
    } finally {
      await small.destroy()
    }
    // Too many bytes: not read to be held, and not looked at again on the next queries.
    const tight = await bootOnTable({ maxBytes: 2_000 })
    try {
      const first = await adapterOf(tight).explain({
        collection: 'posts',
        where: { status: { equals: 'draft' } },
      })
      expect(first.description).not.toContain('held in memory')
      const second = await adapterOf(tight).explain({
        collection: 'posts',
        where: { status: { equals: 'draft' } },
      })
      expect(second.plan.kind).toBe('index')
      // The first paid one read of the counter items to learn the size; the second did not.
      expect(second.requests).toBe(first.requests - 1)
    } finally {
      await tight.destroy()
    }
    const off = await adapterOf(uncached).explain({
      collection: 'authors',
      where: { name: { equals: 'Author 1' } },
    })
    expect(off.description).not.toContain('held in memory')
  })
})
