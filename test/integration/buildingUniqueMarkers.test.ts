/**
 * While a new unique index is being built, a document the build has not reached holds its value
 * without a marker. When such a document lets go of a value that another document has taken
 * meanwhile (under a marker of its own), its write must not delete that marker: before, it
 * deleted every marker of the values its stored version held, as it may for a built index, so
 * a third document could then take the value too and the build ended with two holders and one
 * marker. Now a write keeps the markers of an index still being built and lets go of them
 * after its commit, each only if it still names the document (write/releaseMarkers.ts).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { announceIndexChange } from '../../src/indexes/indexRecord.js'
import { indexesOf } from '../../src/indexes/registry.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'

const codes =
  (unique: boolean) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'code', type: 'text', unique },
        ],
      },
    ],
    db,
    secret: 'building-unique-markers',
    telemetry: false,
  })

useIndexStateMaxAge(300)

describe('markers of a unique index being built', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it("a document the build has not reached lets go of a value without deleting another document's marker", async () => {
    const table = `building-markers-${randomUUID()}`
    const old = await bootOnTable(codes(false), table, { buildIndexes: true, readCache: false })
    started.push(old)
    const first = await old.create({ collection: 'items', data: { code: 'v', title: 'first' } })
    // A process of the new config records the build and stops there (as if still building).
    const current = await bootOnTable(codes(true), table, { buildIndexes: false, readCache: false })
    started.push(current)
    const db = current.db as unknown as DynamoDBAdapter
    const namespace = collectionNamespace(db, 'items')
    await announceIndexChange(db, namespace, { defined: indexesOf(db, namespace) })

    // `first` has no marker yet, so `v` is free to take (a process holding the collection in
    // memory refuses it: it sees `first` hold it): the build would find the duplicate.
    const second = await current.create({
      collection: 'items',
      data: { code: 'v', title: 'second' },
    })
    // `first` moves away from `v`: `second` is its only holder, under its own marker.
    await current.update({ collection: 'items', data: { code: 'w' }, id: first.id })

    await expect(
      current.create({ collection: 'items', data: { code: 'v', title: 'third' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    // A process of the previous config maintains the index it learned from the table too.
    await old.update({ collection: 'items', data: { code: 'x' }, id: first.id })
    await expect(
      old.create({ collection: 'items', data: { code: 'v', title: 'fourth' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })

    // The build finds one holder per value, and the index is exact.
    await db.syncIndexes()
    expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
    const report = await db.verifyIndexes({ collection: 'items' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
    const holders = await current.find({ collection: 'items', where: { code: { equals: 'v' } } })
    expect(holders.docs.map((doc) => doc.id)).toEqual([second.id])
    // `x` was let go of by nobody else: `first` holds it, and `w` is free again.
    await expect(
      current.create({ collection: 'items', data: { code: 'x', title: 'fifth' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    await current.create({ collection: 'items', data: { code: 'w', title: 'sixth' } })
  }, 120_000)
})
