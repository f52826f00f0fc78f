/**
 * `clearDatabase` (and `migrate:fresh`) after a rebuild moved an index's value counters to a new
 * epoch: the reset state item records epoch 0 again, so every process must count there from
 * then on. Before, the clearing process kept its epochs in memory and other processes were never
 * told (their shard condition passed over the deleted shards): their creates were counted where
 * no count reads, and `count` by the value answered 0.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [{ slug: 'posts', fields: [{ name: 'region', type: 'text', index: true }] }],
  db,
  secret: 'clear-after-rebuild',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const eu = { region: { equals: 'eu' } }

useIndexStateMaxAge(300)

describe('emptying the table after a rebuild', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('counts every later create where counts are read, in the clearing process and in others', async () => {
    const table = `clear-after-rebuild-${randomUUID()}`
    const clearing = await bootOnTable(config, table, { readCache: false })
    started.push(clearing)
    const other = await bootOnTable(config, table, { readCache: false })
    started.push(other)
    await clearing.create({ collection: 'posts', data: { region: 'eu' } })
    await adapterOf(clearing).rebuildIndexes({ collection: 'posts' })
    // The other process writes after the rebuild: it counts in the new epoch.
    await other.create({ collection: 'posts', data: { region: 'eu' } })
    expect((await other.count({ collection: 'posts', where: eu })).totalDocs).toBe(2)

    await adapterOf(clearing).clearDatabase()
    await clearing.create({ collection: 'posts', data: { region: 'eu' } })
    await other.create({ collection: 'posts', data: { region: 'eu' } })
    // Past the state's maximum age: both read what the table records now.
    await pause(700)
    for (const payload of [clearing, other]) {
      expect((await payload.count({ collection: 'posts', where: eu })).totalDocs).toBe(2)
      expect((await payload.count({ collection: 'posts' })).totalDocs).toBe(2)
    }
    const report = await adapterOf(clearing).verifyIndexes({ collection: 'posts' })
    expect(report.clean ? 'clean' : report).toBe('clean')
  }, 120_000)
})
