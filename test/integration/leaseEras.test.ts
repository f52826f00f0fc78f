/**
 * A process learns the table's index record from more than state reads: a lease confirmation
 * (src/leases/renewLease.ts), a lease taken or given back and a lease taken back before a write
 * (holdLease.ts, claimWrite.ts) each read the namespace's state item and load the record from it
 * (`loadIndexRecord`). After another process rebuilds the collection's indexes, the value counters
 * count in a new epoch under a new record version. A writer that learned the version that way
 * passes its counter shard's condition, so it must know the new epoch from the same item:
 * counting in the old one leaves the new counters off for good (before: 2 value counters off
 * after one move, the seeded evolution soak's one unexplained run). The test loads the item as
 * those paths do, then writes through Payload.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { counterEpochs } from '../../src/indexes/buildState.js'
import { loadIndexRecord, STATE_SK } from '../../src/indexes/indexRecord.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'items',
      fields: [{ name: 'group', type: 'select', index: true, options: ['a', 'b'] }],
    },
  ],
  db,
  secret: 'lease-eras-secret',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

describe('a writer that learns the index record from a state item read by a lease path', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('counts in the epoch of that item, so a rebuild elsewhere leaves every count exact', async () => {
    const tableName = `lease-eras-${randomUUID()}`
    const writer = await bootOnTable(config, tableName, { readCache: false })
    const rebuilder = await bootOnTable(config, tableName, { readCache: false })
    started.push(writer, rebuilder)
    const ids: (number | string)[] = []
    for (let i = 0; i < 6; i++) {
      ids.push((await writer.create({ collection: 'items', data: { group: 'a' } })).id)
    }
    await adapterOf(rebuilder).rebuildIndexes({ collection: 'items' })

    const namespace = collectionNamespace(adapterOf(writer), 'items')
    const { Item } = await adapterOf(writer).docClient.send(
      new GetCommand({ Key: { pk: namespace.pk, sk: STATE_SK }, TableName: tableName }),
    )
    expect(Item?.['epoch:group']).toBe(1)
    loadIndexRecord(adapterOf(writer), namespace, Item)
    expect(counterEpochs(adapterOf(writer), namespace).get('group')).toBe(1)

    await writer.update({ id: ids[0]!, collection: 'items', data: { group: 'b' } })
    await writer.create({ collection: 'items', data: { group: 'b' } })
    for (const [group, expected] of [
      ['a', 5],
      ['b', 2],
    ] as const) {
      const where = { group: { equals: group } }
      expect((await rebuilder.count({ collection: 'items', where })).totalDocs).toBe(expected)
    }
    const report = await adapterOf(rebuilder).verifyIndexes({ collection: 'items' })
    expect(report.clean ? 'clean' : report).toBe('clean')
  }, 120_000)
})
