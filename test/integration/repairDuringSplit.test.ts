/**
 * `repairIndexes` measures the value counters between two reads of the namespace's counter items
 * and acts only when both are the same: every write of a document stamps one of them. A split
 * document (write/splitGroup.ts) moves some of its counts in requests after its own; one of those
 * landing between the repair's read of the counters and its second stamp read must change the
 * stamp too, or the repair takes the counts it missed for drift and adds them a second time.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { shardOf } from '../../src/indexes/valueCounters.js'
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

const queried = (command: SentCommand) =>
  command.constructor.name === 'QueryCommand'
    ? (command.input as { ExpressionAttributeValues?: Record<string, unknown> })
        .ExpressionAttributeValues
    : undefined

describe('repairIndexes while a split document moves its later counts', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('takes none of them for drift: every value counter exact afterwards', async () => {
    const tableName = `repair-during-split-${randomUUID()}`
    const options = { counterShards: SHARDS, readCache: false } as const
    const writer = await bootOnTable(config, tableName, options)
    const repairer = await bootOnTable(config, tableName, options)
    started.push(writer, repairer)
    // A document whose counts go to another shard than the first, which the repair's fixes
    // are conditioned on (on the first shard, the condition alone would catch the race).
    let doc: { id: number | string } | undefined
    let created = 0
    while (!doc || shardOf(doc.id, SHARDS) === 0) {
      created++
      doc = await writer.create({
        collection: 'items',
        data: { labels: values('a'), tags: values('a') },
      })
    }

    let atLater!: () => void
    const writerAtLater = new Promise<void>((resolve) => (atLater = resolve))
    let go!: () => void
    const writerMayGo = new Promise<void>((resolve) => (go = resolve))
    let sent!: () => void
    const laterSent = new Promise<void>((resolve) => (sent = resolve))
    let held = false
    const writerAdapter = adapterOf(writer)
    const send = writerAdapter.docClient.send.bind(writerAdapter.docClient)
    writerAdapter.docClient.send = (async (command: SentCommand, ...rest: []) => {
      if (held || !laterRequest(command)) {
        return send(command as never, ...rest)
      }
      held = true
      atLater()
      await writerMayGo
      try {
        return await send(command as never, ...rest)
      } finally {
        sent()
      }
    }) as typeof writerAdapter.docClient.send
    const update = writer.update({
      id: doc.id,
      collection: 'items',
      data: { labels: values('b'), tags: values('b') },
    })

    await writerAtLater
    // The repair's counter measurement: its counter items (the stamp), the documents, the
    // value counters, the counter items again. The race goes right after the value counters.
    let afterCounters = false
    let raced = false
    const watch = watchSends(adapterOf(repairer), async (command) => {
      const values = queried(command)
      const stampRead = values?.[':from'] === 'M#count'
      if (!raced && afterCounters && stampRead) {
        raced = true
        go()
        await laterSent
      }
      afterCounters = String(values?.[':pk'] ?? '').includes('#K#')
    })
    try {
      await adapterOf(repairer).repairIndexes({ collection: 'items' })
    } finally {
      watch.restore()
      go()
    }
    await update
    writerAdapter.docClient.send = send
    expect(raced).toBe(true)

    const report = await adapterOf(repairer).verifyIndexes({ collection: 'items' })
    expect(report.clean ? 'clean' : report).toBe('clean')
    for (const field of ['tags', 'labels']) {
      const total = async (value: string) =>
        (await repairer.count({ collection: 'items', where: { [field]: { equals: value } } }))
          .totalDocs
      expect(await total('b39')).toBe(1)
      // The others created on the way still hold the old values.
      expect(await total('a0')).toBe(created - 1)
    }
  }, 120_000)
})
