/**
 * What a Payload transaction reads and how long it lives:
 * - A query inside a transaction reads documents as stored now, also ones the transaction read
 *   before: the entries and counts that lead to them are read now too. Another process's commit
 *   in between is seen, as a transaction of db-postgres (read committed) sees it.
 * - A transaction unused for an hour is dropped only if it holds writes: `payload migrate` keeps
 *   its transaction while a long `up` writes without it, and commits it at the end.
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import { jest } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { commitTransaction, initTransaction } from 'payload'

import { bootOnTable } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text' },
        {
          name: 'status',
          type: 'select',
          index: true,
          options: ['draft', 'review', 'published'],
        },
      ],
    },
  ],
  db,
  secret: 'transaction-reads',
  telemetry: false,
})

async function inTransaction(payload: Payload): Promise<PayloadRequest> {
  const req = { payload } as PayloadRequest
  await initTransaction(req)
  return req
}

describe('Payload transactions', () => {
  const started: Payload[] = []
  let first: Payload
  let second: Payload

  beforeAll(async () => {
    const tableName = `transaction-reads-${randomUUID()}`
    // Not held in memory: the queries go through the status index and its value counters.
    first = await bootOnTable(config, tableName, { readCache: false })
    second = await bootOnTable(config, tableName, { readCache: false })
    started.push(first, second)
  })

  afterAll(async () => {
    jest.restoreAllMocks()
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it("see another process's commit after their own read of the document", async () => {
    const doc = await first.create({ collection: 'posts', data: { status: 'draft', title: 'a' } })
    const req = await inTransaction(first)
    expect(await first.findByID({ id: doc.id, collection: 'posts', req })).toMatchObject({
      status: 'draft',
    })
    await second.update({ id: doc.id, collection: 'posts', data: { status: 'review' } })
    const where = { status: { equals: 'review' } }
    const found = await first.find({ collection: 'posts', req, where })
    expect([found.totalDocs, found.docs.map((each) => each.id)]).toEqual([1, [doc.id]])
    // And a bulk update in it changes the document that matches now.
    await first.update({ collection: 'posts', data: { title: 'reviewed' }, req, where })
    await commitTransaction(req)
    expect(await second.findByID({ id: doc.id, collection: 'posts' })).toMatchObject({
      status: 'review',
      title: 'reviewed',
    })
  })

  it('unused for an hour: dropped if it holds writes, kept if it holds none', async () => {
    const empty = await inTransaction(first)
    const holding = await inTransaction(first)
    await first.create({
      collection: 'posts',
      data: { status: 'draft', title: 'held' },
      req: holding,
    })
    const now = Date.now()
    jest.spyOn(Date, 'now').mockReturnValue(now + 61 * 60 * 1000)
    // Any transaction begun sweeps the abandoned ones.
    await commitTransaction(await inTransaction(first))
    await first.create({
      collection: 'posts',
      data: { status: 'draft', title: 'late' },
      req: empty,
    })
    await commitTransaction(empty)
    await expect(
      first.create({ collection: 'posts', data: { title: 'lost' }, req: holding }),
    ).rejects.toMatchObject({ status: 410 })
    jest.restoreAllMocks()
    const titles = (await second.find({ collection: 'posts', limit: 0 })).docs.map(
      (each) => each.title,
    )
    expect(titles).toContain('late')
    expect(titles).not.toContain('held')
  })
})
