/**
 * Being right under change, through Payload's Local API on DynamoDB Local: concurrent writers on
 * shared documents, Payload transactions (commit, rollback, read-your-writes, a throwing
 * afterChange hook), atomic `$inc`, and jobs claimed once. After each race `verifyIndexes` is
 * clean and queries on the written fields are exact.
 */
import type { CollectionConfig, Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import {
  APIError,
  commitTransaction,
  initTransaction,
  killTransaction,
  ValidationError,
} from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot } from '../support/bootPayload.js'

let failNextAfterChange = false

const collections: CollectionConfig[] = [
  {
    slug: 'posts',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'slug', type: 'text', index: true },
      { name: 'seq', type: 'number', unique: true },
      { name: 'views', type: 'number', index: true },
      { name: 'tags', type: 'text', hasMany: true },
    ],
    hooks: {
      afterChange: [
        () => {
          if (failNextAfterChange) {
            failNextAfterChange = false
            throw new Error('afterChange failed on purpose')
          }
        },
      ],
    },
  },
  {
    slug: 'drafts',
    fields: [
      { name: 'title', type: 'text', index: true },
      { name: 'code', type: 'text', unique: true },
    ],
    versions: { drafts: true },
  },
]

function config(db: DatabaseAdapterObj): Config {
  return {
    collections,
    db,
    jobs: {
      tasks: [
        {
          slug: 'count',
          handler: async ({ input, req }) => {
            await req.payload.create({
              collection: 'posts',
              data: { title: `ran ${String((input as { n: number }).n)}` },
            })
            return { output: {} }
          },
          inputSchema: [{ name: 'n', type: 'number' }],
        },
      ],
    },
    secret: 'integrity-test-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

async function expectClean(payload: Payload, collection: string) {
  const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({ collection })
  expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  expect(report.counter).toBe(report.documents)
}

async function newRequest(payload: Payload): Promise<PayloadRequest> {
  const req = { payload } as PayloadRequest
  await initTransaction(req)
  return req
}

describe('integrity under change', () => {
  let booted: Booted
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb')
    payload = booted.payload
  })

  afterAll(async () => {
    await booted?.close()
  })

  it('20 concurrent updates of one post leave exactly the last values indexed', async () => {
    const post = await payload.create({ collection: 'posts', data: { seq: 1000, slug: 's-0' } })
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        payload.update({
          id: post.id,
          collection: 'posts',
          data: { seq: 2000 + i, slug: `s-${i + 1}` },
        }),
      ),
    )
    expect(results.filter((result) => result.status === 'rejected')).toEqual([])
    const final = await payload.findByID({ id: post.id, collection: 'posts' })
    for (let i = 0; i <= 20; i++) {
      const { docs } = await payload.find({
        collection: 'posts',
        where: { slug: { equals: `s-${i}` } },
      })
      expect(docs.map((doc) => doc.id)).toEqual(final.slug === `s-${i}` ? [post.id] : [])
    }
    // Every seq value the post no longer holds is free again.
    for (let i = 0; i < 20; i++) {
      if (final.seq !== 2000 + i) {
        const other = await payload.create({ collection: 'posts', data: { seq: 2000 + i } })
        await payload.delete({ id: other.id, collection: 'posts' })
      }
    }
    await expect(
      payload.create({ collection: 'posts', data: { seq: final.seq as number } }),
    ).rejects.toBeInstanceOf(ValidationError)
    await expectClean(payload, 'posts')
  })

  it('concurrent creates of one unique value: exactly one wins', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        payload.create({ collection: 'posts', data: { seq: 777, title: 'race' } }),
      ),
    )
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
    for (const result of results) {
      if (result.status === 'rejected') {
        expect(result.reason).toBeInstanceOf(ValidationError)
      }
    }
    const { totalDocs } = await payload.count({
      collection: 'posts',
      where: { seq: { equals: 777 } },
    })
    expect(totalDocs).toBe(1)
    await expectClean(payload, 'posts')
  })

  it('50 parallel $inc add exactly 50', async () => {
    const post = await payload.create({ collection: 'posts', data: { views: 0 } })
    await Promise.all(
      Array.from({ length: 50 }, () =>
        payload.db.updateOne({
          id: post.id,
          collection: 'posts',
          data: { views: { $inc: 1 } },
          returning: false,
        }),
      ),
    )
    const after = await payload.findByID({ id: post.id, collection: 'posts' })
    expect(after.views).toBe(50)
    const { docs } = await payload.find({ collection: 'posts', where: { views: { equals: 50 } } })
    expect(docs.map((doc) => doc.id)).toContain(post.id)
    await expectClean(payload, 'posts')
  })

  it('parallel $push on one document keeps every item', async () => {
    const post = await payload.create({ collection: 'posts', data: { tags: [] } })
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        payload.db.updateOne({
          id: post.id,
          collection: 'posts',
          data: { tags: { $push: `t${i}` } },
          returning: false,
        }),
      ),
    )
    const after = await payload.findByID({ id: post.id, collection: 'posts' })
    expect([...(after.tags as string[])].sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `t${i}`).sort(),
    )
  })

  it('counts stay exact under concurrent creates and deletes', async () => {
    const before = (await payload.count({ collection: 'posts' })).totalDocs
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        payload.create({ collection: 'posts', data: { title: `bulk ${i}` } }),
      ),
    )
    await Promise.all([
      ...created.slice(0, 10).map((doc) => payload.delete({ id: doc.id, collection: 'posts' })),
      ...Array.from({ length: 10 }, (_, i) =>
        payload.create({ collection: 'posts', data: { title: `more ${i}` } }),
      ),
      // The same document deleted twice at once: one delete, one counter decrement.
      ...[...created.slice(10, 15), ...created.slice(10, 15)].map((doc) =>
        payload.db.deleteOne({ collection: 'posts', where: { id: { equals: doc.id } } }),
      ),
    ])
    expect((await payload.count({ collection: 'posts' })).totalDocs).toBe(before + 15)
    await expectClean(payload, 'posts')
  })

  it('a transaction is invisible outside until commit, and its reads see its writes', async () => {
    const req = await newRequest(payload)
    const doc = await payload.create({ collection: 'posts', data: { slug: 'tx-1', views: 5 }, req })
    await payload.update({ id: doc.id, collection: 'posts', data: { views: 6 }, req })

    // Inside: by id, by index, counts, sorted pages.
    expect((await payload.findByID({ id: doc.id, collection: 'posts', req })).views).toBe(6)
    const inside = await payload.find({
      collection: 'posts',
      req,
      where: { slug: { equals: 'tx-1' } },
    })
    expect(inside.docs.map((d) => d.id)).toEqual([doc.id])
    expect(
      (await payload.count({ collection: 'posts', req, where: { views: { equals: 6 } } }))
        .totalDocs,
    ).toBeGreaterThanOrEqual(1)

    // Outside: nothing yet.
    const outside = await payload.find({ collection: 'posts', where: { slug: { equals: 'tx-1' } } })
    expect(outside.docs).toEqual([])
    await expect(payload.findByID({ id: doc.id, collection: 'posts' })).rejects.toThrow()

    await commitTransaction(req)
    const after = await payload.find({ collection: 'posts', where: { slug: { equals: 'tx-1' } } })
    expect(after.docs.map((d) => [d.id, d.views])).toEqual([[doc.id, 6]])
    await expectClean(payload, 'posts')
  })

  it('pages and totals inside a transaction are those the table will have after commit', async () => {
    const stored = []
    for (let i = 0; i < 8; i++) {
      stored.push(await payload.create({ collection: 'posts', data: { slug: 'paged', views: i } }))
    }
    const req = await newRequest(payload)
    for (let i = 0; i < 3; i++) {
      await payload.create({ collection: 'posts', data: { slug: 'paged', views: 100 + i }, req })
    }
    await payload.delete({ id: stored[7].id, collection: 'posts', req })
    await payload.update({ id: stored[6].id, collection: 'posts', data: { slug: 'moved' }, req })
    await payload.update({ id: stored[0].id, collection: 'posts', data: { views: 50 }, req })
    const where = { slug: { equals: 'paged' } }
    const inside = async (args: { limit: number; page?: number; sort?: string }) =>
      payload.find({ collection: 'posts', depth: 0, req, where, ...args })
    const views = (docs: Record<string, unknown>[]) => docs.map((doc) => doc.views)

    const newest = await inside({ limit: 4 })
    expect(newest.totalDocs).toBe(9)
    expect(views(newest.docs)).toEqual([102, 101, 100, 5])
    const byViews = await inside({ limit: 3, page: 2, sort: '-views' })
    expect(byViews.totalDocs).toBe(9)
    expect(views(byViews.docs)).toEqual([50, 5, 4])
    expect((await payload.count({ collection: 'posts', req, where })).totalDocs).toBe(9)
    expect(
      (await payload.count({ collection: 'posts', req, where: { slug: { equals: 'moved' } } }))
        .totalDocs,
    ).toBe(1)

    await commitTransaction(req)
    const after = await payload.find({
      collection: 'posts',
      depth: 0,
      limit: 3,
      page: 2,
      sort: '-views',
      where,
    })
    expect(after.totalDocs).toBe(9)
    expect(views(after.docs)).toEqual([50, 5, 4])
    await expectClean(payload, 'posts')
  })

  it('killTransaction leaves no trace', async () => {
    const countBefore = (await payload.count({ collection: 'posts' })).totalDocs
    const existing = await payload.create({ collection: 'posts', data: { slug: 'kept', seq: 31 } })
    const req = await newRequest(payload)
    await payload.create({ collection: 'posts', data: { seq: 32, slug: 'rolled-back' }, req })
    await payload.update({ id: existing.id, collection: 'posts', data: { slug: 'changed' }, req })
    await payload.delete({ id: existing.id, collection: 'posts', req })
    await killTransaction(req)

    expect((await payload.count({ collection: 'posts' })).totalDocs).toBe(countBefore + 1)
    const kept = await payload.findByID({ id: existing.id, collection: 'posts' })
    expect(kept.slug).toBe('kept')
    const rolled = await payload.find({
      collection: 'posts',
      where: { slug: { in: ['rolled-back', 'changed'] } },
    })
    expect(rolled.docs).toEqual([])
    // The unique value the rolled-back create took is free.
    await payload.create({ collection: 'posts', data: { seq: 32 } })
    await expectClean(payload, 'posts')
  })

  it('a create whose afterChange hook throws is not stored', async () => {
    const countBefore = (await payload.count({ collection: 'posts' })).totalDocs
    failNextAfterChange = true
    await expect(
      payload.create({ collection: 'posts', data: { seq: 4242, slug: 'hook-fails' } }),
    ).rejects.toThrow('afterChange failed on purpose')
    expect((await payload.count({ collection: 'posts' })).totalDocs).toBe(countBefore)
    const found = await payload.find({
      collection: 'posts',
      where: { slug: { equals: 'hook-fails' } },
    })
    expect(found.docs).toEqual([])
    await payload.create({ collection: 'posts', data: { seq: 4242 } })
    await expectClean(payload, 'posts')
  })

  it('a unique value taken inside a transaction fails the write that takes it', async () => {
    await payload.create({ collection: 'posts', data: { seq: 5151 } })
    const req = await newRequest(payload)
    await expect(
      payload.create({ collection: 'posts', data: { seq: 5151 }, req }),
    ).rejects.toBeInstanceOf(ValidationError)
    await payload.create({ collection: 'posts', data: { seq: 5252 }, req })
    await expect(
      payload.create({ collection: 'posts', data: { seq: 5252 }, req }),
    ).rejects.toBeInstanceOf(ValidationError)
    await killTransaction(req)
  })

  it('unique values swapped between documents inside a transaction: a value another document let go can be taken', async () => {
    const a = await payload.create({ collection: 'posts', data: { seq: 6161 } })
    const b = await payload.create({ collection: 'posts', data: { seq: 6262 } })
    const req = await newRequest(payload)
    // Swap a's and b's values through a third (b takes 6161 while the table still says a holds
    // it), then a new document takes the third.
    await payload.update({ id: a.id, collection: 'posts', data: { seq: 6363 }, req })
    await payload.update({ id: b.id, collection: 'posts', data: { seq: 6161 }, req })
    await payload.update({ id: a.id, collection: 'posts', data: { seq: 6262 }, req })
    const c = await payload.create({ collection: 'posts', data: { seq: 6363 }, req })
    await commitTransaction(req)

    const seqOf = async (id: number | string) =>
      (await payload.findByID({ id, collection: 'posts' })).seq
    expect([await seqOf(a.id), await seqOf(b.id), await seqOf(c.id)]).toEqual([6262, 6161, 6363])
    // Every value is held by its new owner once committed.
    for (const seq of [6161, 6262, 6363]) {
      await expect(payload.create({ collection: 'posts', data: { seq } })).rejects.toBeInstanceOf(
        ValidationError,
      )
    }
    await expectClean(payload, 'posts')

    // A value freed by a delete is taken by a create of the same transaction.
    const next = await newRequest(payload)
    await payload.delete({ id: c.id, collection: 'posts', req: next })
    const d = await payload.create({ collection: 'posts', data: { seq: 6363 }, req: next })
    await commitTransaction(next)
    expect(await seqOf(d.id)).toBe(6363)
    await expect(payload.findByID({ id: c.id, collection: 'posts' })).rejects.toThrow()
    await expectClean(payload, 'posts')
  })

  it('a commit that meets a newer revision computes its writes again (last writer wins)', async () => {
    const doc = await payload.create({ collection: 'posts', data: { slug: 'c-0', views: 1 } })
    const req = await newRequest(payload)
    await payload.db.updateOne({
      id: doc.id,
      collection: 'posts',
      data: { slug: 'c-tx', views: { $inc: 10 } },
      req,
    })
    await payload.update({ id: doc.id, collection: 'posts', data: { views: 100 } })
    await commitTransaction(req)
    const after = await payload.findByID({ id: doc.id, collection: 'posts' })
    expect([after.slug, after.views]).toEqual(['c-tx', 110])
    await expectClean(payload, 'posts')
  })

  it("with onConflict: 'fail' such a commit fails, retryable, and writes nothing", async () => {
    const adapter = payload.db as unknown as DynamoDBAdapter
    adapter.transactionConflicts = 'fail'
    try {
      const doc = await payload.create({ collection: 'posts', data: { slug: 'f-0' } })
      const req = await newRequest(payload)
      await payload.create({ collection: 'posts', data: { slug: 'f-new' }, req })
      await payload.db.updateOne({ id: doc.id, collection: 'posts', data: { slug: 'f-tx' }, req })
      await payload.update({ id: doc.id, collection: 'posts', data: { slug: 'f-outside' } })
      const error = await commitTransaction(req).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(error).toBeInstanceOf(APIError)
      expect((error as APIError).status).toBe(409)
      await killTransaction(req)
      const found = await payload.find({
        collection: 'posts',
        where: { slug: { in: ['f-new', 'f-tx', 'f-outside'] } },
      })
      expect(found.docs.map((d) => d.slug)).toEqual(['f-outside'])
    } finally {
      adapter.transactionConflicts = 'retry'
    }
    await expectClean(payload, 'posts')
  })

  it('drafts: concurrent saves keep exactly one latest version', async () => {
    const doc = await payload.create({ collection: 'drafts', data: { code: 'd-0', title: 'v0' } })
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        payload.update({
          id: doc.id,
          collection: 'drafts',
          data: { title: `v${i + 1}` },
          draft: true,
        }),
      ),
    )
    const { totalDocs } = await payload.countVersions({
      collection: 'drafts',
      where: { and: [{ parent: { equals: doc.id } }, { latest: { equals: true } }] },
    })
    expect(totalDocs).toBe(1)
    const drafts = await payload.find({ collection: 'drafts', draft: true })
    expect(drafts.docs.filter((d) => d.id === doc.id)).toHaveLength(1)
  })

  it('two job runners in parallel never run one job twice', async () => {
    const before = (
      await payload.count({ collection: 'posts', where: { title: { like: 'ran ' } } })
    ).totalDocs
    for (let n = 0; n < 12; n++) {
      await payload.jobs.queue({ input: { n }, task: 'count' })
    }
    await Promise.all([
      payload.jobs.run({ limit: 12 }),
      payload.jobs.run({ limit: 12 }),
      payload.jobs.run({ limit: 12 }),
    ])
    await payload.jobs.run({ limit: 12 })
    const ran = await payload.find({
      collection: 'posts',
      limit: 0,
      pagination: false,
      where: { title: { like: 'ran ' } },
    })
    expect(ran.docs.length - before).toBe(12)
    expect(new Set(ran.docs.map((d) => d.title)).size).toBe(ran.docs.length)
  })
})
