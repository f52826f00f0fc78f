/**
 * An index added to the config is not maintained by any writer until its build is announced
 * (docs/migrations.md, "Deploy order for index changes"). `verifyIndexes` and `repairIndexes`
 * follow the same record: before, they took the config's indexes, so a repair run between the
 * deploy and the migration put entries and markers that writers then left behind (a document
 * moving away from a value kept its marker), and after the build a free value was refused.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'

const codes =
  (unique: boolean) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [{ slug: 'items', fields: [{ name: 'code', type: 'text', unique }] }],
    db,
    secret: 'repair-before-build',
    telemetry: false,
  })

describe('verify and repair before an added index is built', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('leave the unannounced index alone, so its build starts from the documents as they are', async () => {
    const table = `repair-before-build-${randomUUID()}`
    const old = await bootOnTable(codes(false), table, { buildIndexes: true, readCache: false })
    started.push(old)
    const moving = await old.create({ collection: 'items', data: { code: 'a' } })
    await old.create({ collection: 'items', data: { code: 'b' } })
    // The new config is deployed; its migration has not run yet.
    const current = await bootOnTable(codes(true), table, { buildIndexes: false, readCache: false })
    started.push(current)
    const db = current.db as unknown as DynamoDBAdapter
    expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: ['items/code'], stale: [] })
    expect(await db.verifyIndexes({ collection: 'items' })).toMatchObject({
      clean: true,
      missingEntries: 0,
    })
    const repaired = await db.repairIndexes({ collection: 'items' })
    expect(repaired).toMatchObject({ entriesPut: 0, markersPut: 0 })

    // A writer moves a document away from `a`: the index is not maintained yet.
    await old.update({ collection: 'items', data: { code: 'c' }, id: moving.id })
    await db.syncIndexes()
    expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
    expect(await db.verifyIndexes({ collection: 'items' })).toMatchObject({
      clean: true,
      missingEntries: 0,
      orphanEntries: 0,
      staleMarkers: 0,
    })
    // `a` is free (before: refused by the marker the repair put for the document that left it).
    await current.create({ collection: 'items', data: { code: 'a' } })
    await expect(
      current.create({ collection: 'items', data: { code: 'b' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
  }, 120_000)
})
