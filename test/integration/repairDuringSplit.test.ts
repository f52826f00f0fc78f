/**
 * `repairIndexes` measures the value counters between two reads of the namespace's counter items
 * and acts only when both are the same: every write of a document stamps one of them. A split
 * document (write/splitGroup.ts) moves some of its counts in requests after its own, while it is
 * locked by its write; they may come long after (a stopped process's, when the next start finishes
 * its journal). A repair that took the counts still to come for drift would add them a second
 * time, so it leaves the counters of a collection holding a locked document (unsettled).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'

const VALUES = 40
const SHARDS = 8

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'items',
      fields: [
        { name: 'tags', type: 'text', hasMany: true, index: true },
        { name: 'labels', type: 'text', hasMany: true, index: true },
      ],
    },
  ],
  db,
  secret: 'repair-during-split',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter
const values = (prefix: string) => Array.from({ length: VALUES }, (_, n) => `${prefix}${n}`)

type TransactItem = Record<string, { Key?: { pk?: string } }>

/** A request of what a split document moves after its own (it steps the record on). */
function laterRequest(command: SentCommand): boolean {
  const items = (command.input as { TransactItems?: TransactItem[] }).TransactItems ?? []
  return items.some((item) => {
    const pk = String(item.Update?.Key?.pk ?? '')
    return pk.startsWith('J#') && pk !== 'J#journal'
  })
}

describe('repairIndexes while a split document moves its later counts', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('leaves the counts of a document whose later counts are still to come, then all exact', async () => {
    const tableName = `repair-before-later-${randomUUID()}`
    const options = { counterShards: SHARDS, readCache: false } as const
    const writer = await bootOnTable(config, tableName, options)
    const repairer = await bootOnTable(config, tableName, options)
    started.push(writer, repairer)
    const doc = await writer.create({
      collection: 'items',
      data: { labels: values('a'), tags: values('a') },
    })

    let atLater!: () => void
    const writerAtLater = new Promise<void>((resolve) => (atLater = resolve))
    let go!: () => void
    const writerMayGo = new Promise<void>((resolve) => (go = resolve))
    let held = false
    const watch = watchSends(adapterOf(writer), async (command) => {
      if (!held && laterRequest(command)) {
        held = true
        atLater()
        await writerMayGo
      }
    })
    const update = writer.update({
      id: doc.id,
      collection: 'items',
      data: { labels: values('b'), tags: values('b') },
    })
    await writerAtLater
    // The whole repair runs while the document's later counts wait (as after a stop, until the
    // next start finishes the write).
    let report: Awaited<ReturnType<DynamoDBAdapter['repairIndexes']>>
    try {
      report = await adapterOf(repairer).repairIndexes({ collection: 'items' })
    } finally {
      go()
    }
    await update
    watch.restore()
    const verified = await adapterOf(repairer).verifyIndexes({ collection: 'items' })
    expect(verified.clean ? 'clean' : verified).toBe('clean')
    for (const field of ['tags', 'labels']) {
      const { totalDocs } = await repairer.count({
        collection: 'items',
        where: { [field]: { equals: 'b39' } },
      })
      expect(totalDocs).toBe(1)
    }
    expect(report.valueCountersUnsettled).toBe(true)
  }, 120_000)
})
