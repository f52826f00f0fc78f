/**
 * A transaction's commit computed again over saves made meanwhile stamps the documents they saved
 * (src/write/replayStamp.ts) after what it stores over, whatever the other process's clock said:
 * here two documents of one transaction share a first-run stamp (Payload's bulk publish stamps
 * documents in parallel, within one millisecond), and the other saves come from a process whose
 * clock runs 2 s ahead, its version stamped 5 ms after its document. The document, its latest
 * version and Payload's draft must still be the transaction's save (found in review: the second
 * document reused the first's new stamp below its own floor, and a version was stamped behind
 * the other process's).
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import { commitTransaction, createLocalReq, initTransaction } from 'payload'

import { boot, type Booted, closeAll } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    { slug: 'posts', fields: [{ name: 'title', type: 'text' }], versions: { drafts: true } },
  ],
  db,
  secret: 'replay-stamp-skew',
  telemetry: false,
})

const at = (ms: number) => new Date(ms).toISOString()

describe('stamps of a commit computed again, against a clock running ahead', () => {
  let booted: Booted | undefined
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb')
    payload = booted.payload
  })

  afterAll(async () => {
    await closeAll(booted)
  })

  /** A publish as Payload writes it: the document, then its version `lag` ms later. */
  async function publish(
    id: number | string,
    title: string,
    stamp: number,
    lag: number,
    req?: Partial<PayloadRequest>,
  ) {
    const data = { _status: 'published', title, updatedAt: at(stamp) }
    await payload.db.updateOne({ id, collection: 'posts', data, req })
    await payload.db.createVersion({
      autosave: false,
      collectionSlug: 'posts',
      createdAt: at(stamp + lag),
      parent: id,
      req,
      updatedAt: at(stamp + lag),
      versionData: data as never,
    })
  }

  it('keep each document its latest version, after the other saves', async () => {
    const a = await payload.create({ collection: 'posts', data: { _status: 'published' } })
    const b = await payload.create({ collection: 'posts', data: { _status: 'published' } })
    const req = await createLocalReq({}, payload)
    await initTransaction(req)
    const shared = Date.now() + 1
    await publish(a.id, 'tx', shared, 0, req)
    await publish(b.id, 'tx', shared, 0, req)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await publish(a.id, 'a-out', Date.now(), 0)
    const ahead = Date.now() + 2000
    await publish(b.id, 'b-out', ahead, 5)
    await commitTransaction(req)
    for (const { id } of [a, b]) {
      const stored = await payload.findByID({ id, collection: 'posts' })
      const latest = await payload.findVersions({
        collection: 'posts',
        where: { and: [{ parent: { equals: id } }, { latest: { equals: true } }] },
      })
      expect(stored.title).toBe('tx')
      expect(latest.docs.map((version) => version.version.title)).toEqual(['tx'])
      expect(latest.docs[0].version.updatedAt).toBe(stored.updatedAt)
      expect((await payload.findByID({ id, collection: 'posts', draft: true })).title).toBe('tx')
    }
    const storedB = await payload.findByID({ id: b.id, collection: 'posts' })
    expect(storedB.updatedAt > at(ahead)).toBe(true)
  })
})
