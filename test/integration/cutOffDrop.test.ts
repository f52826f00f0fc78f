/**
 * A drop is announced (writers stop maintaining the index, queries stop reading it), then its
 * items are deleted some seconds later. A process that dies in between (a deploy that removed
 * the index, rolled back) leaves the table recording the index as dropped and still built. A
 * config that declares it must get it back: before, `syncIndexes` found it built and did
 * nothing, so writers skipped it for good (a unique value was no longer refused), queries never
 * read it, and the warning's advice (build it again with a migration) changed nothing.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { announceIndexChange } from '../../src/indexes/indexRecord.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'items',
      fields: [
        { name: 'code', type: 'text', unique: true },
        { name: 'rank', type: 'number', index: true },
      ],
    },
  ],
  db,
  secret: 'cut-off-drop',
  telemetry: false,
})

useIndexStateMaxAge(300)

describe('a drop cut off before its items were deleted', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('is finished, and the index built again, by a config that declares it', async () => {
    const table = `cut-off-drop-${randomUUID()}`
    const first = await bootOnTable(config, table, { buildIndexes: true, readCache: false })
    started.push(first)
    for (let n = 0; n < 6; n++) {
      await first.create({ collection: 'items', data: { code: `c${n}`, rank: n % 3 } })
    }
    const db = first.db as unknown as DynamoDBAdapter
    const namespace = collectionNamespace(db, 'items')
    // What a sync of a config without the indexes announces before it waits, and then it died.
    await announceIndexChange(db, namespace, { dropped: ['code', 'rank'] })
    // Meanwhile a writer changes a document without them (the drop's announcement says so).
    await first.update({
      collection: 'items',
      data: { code: 'c9', rank: 2 },
      where: { code: { equals: 'c0' } },
    })

    const next = await bootOnTable(config, table, { buildIndexes: false, readCache: false })
    started.push(next)
    const nextDb = next.db as unknown as DynamoDBAdapter
    expect(await nextDb.syncIndexes({ dryRun: true })).toEqual({
      pending: ['items/code', 'items/rank'],
      stale: ['items/code', 'items/rank'],
    })
    await nextDb.syncIndexes()
    expect(await nextDb.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })

    const report = await nextDb.verifyIndexes({ collection: 'items' })
    expect(report).toMatchObject({
      clean: true,
      missingEntries: 0,
      orphanEntries: 0,
      valueCountersOff: 0,
    })
    // Writers maintain the unique index again, and queries read the indexes.
    await expect(
      next.create({ collection: 'items', data: { code: 'c9', rank: 0 } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    await next.create({ collection: 'items', data: { code: 'c0', rank: 0 } })
    const plan = await nextDb.explain({ collection: 'items', where: { rank: { equals: 2 } } })
    expect(plan.plan.kind).toBe('index')
    const ranked = await next.find({ collection: 'items', where: { rank: { equals: 2 } } })
    expect(ranked.docs.map((doc) => doc.code).sort()).toEqual(['c2', 'c5', 'c9'])
    expect(
      (await next.count({ collection: 'items', where: { rank: { equals: 0 } } })).totalDocs,
    ).toBe(2)
  }, 120_000)
})
