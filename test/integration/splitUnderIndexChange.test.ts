/**
 * A document too large for one transaction writes its new unique values and entries in requests
 * before its own (write/splitGroup.ts). Another process of a config without one of those indexes
 * may drop it between the moment the writer computed them and the moment it sends them: the drop
 * deletes what the index holds, then the writer's early request puts items of an index nobody
 * maintains any more. They must not outlive the write: an entry would be an orphan once the index
 * is built again, and a marker would refuse, for good, a value its document let go of meanwhile.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'
import { scanCount } from '../support/tableScan.js'

const VALUES = 40

type Field = 'code' | 'labels' | 'tags'

/** `code` unique, `tags` and `labels` indexed `hasMany` texts: those in `dropped` are not. */
const config =
  (dropped: Field[] = []) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'code', type: 'text', unique: !dropped.includes('code') },
          { name: 'tags', type: 'text', hasMany: true, index: !dropped.includes('tags') },
          { name: 'labels', type: 'text', hasMany: true, index: !dropped.includes('labels') },
        ],
      },
    ],
    db,
    secret: 'split-under-index-change',
    telemetry: false,
  })

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter
const values = (prefix: string) => Array.from({ length: VALUES }, (_, n) => `${prefix}${n}`)

type TransactItem = Record<string, { Item?: { pk?: string }; Key?: { pk?: string } }>

/** A split document's early request: only new markers and entries (and the checks it carries). */
function earlyRequest(command: SentCommand): boolean {
  if (command.constructor.name !== 'TransactWriteCommand') {
    return false
  }
  const items = (command.input as { TransactItems: TransactItem[] }).TransactItems
  const pkOf = (item: TransactItem) => {
    const [action] = Object.values(item)
    return String(action?.Item?.pk ?? action?.Key?.pk ?? '')
  }
  return (
    items.some((item) => 'Put' in item) &&
    items.every(
      (item) =>
        pkOf(item) === 'J#journal' ||
        'ConditionCheck' in item ||
        ('Put' in item && /#[IU]#/.test(pkOf(item))),
    )
  )
}

/** A request of what a split document moves after its own (it steps the record on). */
function laterRequest(command: SentCommand): boolean {
  if (command.constructor.name !== 'TransactWriteCommand') {
    return false
  }
  const items = (command.input as { TransactItems: TransactItem[] }).TransactItems
  return items.some((item) => {
    const pk = String(item.Update?.Key?.pk ?? '')
    return pk.startsWith('J#') && pk !== 'J#journal'
  })
}

useIndexStateMaxAge(300)

describe('a split document while another process drops one of its indexes', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  /**
   * `indexed` changes a document's values (40 per field: a split write), and `other`, of a config
   * without the `dropped` indexes, drops them right before `indexed` sends the first request that
   * `when` picks.
   */
  async function dropDuringSplit(
    dropped: Field[],
    changed: Field[],
    when: (command: SentCommand) => boolean,
  ) {
    const tableName = `split-index-change-${randomUUID()}`
    const indexed = await bootOnTable(config(), tableName, { buildIndexes: true })
    started.push(indexed)
    const doc = await indexed.create({
      collection: 'items',
      data: { code: 'first', labels: values('a'), tags: values('a') },
    })
    const other = await bootOnTable(config(dropped), tableName, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(other)

    let raced = false
    const watch = watchSends(adapterOf(indexed), async (command) => {
      if (!raced && when(command)) {
        raced = true
        await adapterOf(other).syncIndexes()
      }
    })
    try {
      await indexed.update({
        id: doc.id,
        collection: 'items',
        data: Object.fromEntries(
          changed.map((field) => [field, field === 'code' ? 'second' : values('b')]),
        ),
      })
    } finally {
      watch.restore()
    }
    expect(raced).toBe(true)
    const stored = await other.findByID({ id: doc.id, collection: 'items' })
    expect(stored).toMatchObject(
      Object.fromEntries(
        changed.map((field) => [field, field === 'code' ? 'second' : values('b')]),
      ),
    )
    return { doc, indexed, other }
  }

  /**
   * The document lets go of the values while the indexes are dropped, then they are built again:
   * exact, and the values it let go of are free.
   */
  async function buildAgain(
    { doc, indexed, other }: Awaited<ReturnType<typeof dropDuringSplit>>,
    changed: Field[],
  ) {
    await other.update({
      id: doc.id,
      collection: 'items',
      data: Object.fromEntries(
        changed.map((field) => [field, field === 'code' ? 'third' : values('c')]),
      ),
    })
    await adapterOf(indexed).syncIndexes()
    const report = await adapterOf(indexed).verifyIndexes({ collection: 'items' })
    expect(report.clean ? 'clean' : report).toBe('clean')
    const data = Object.fromEntries(
      changed.map((field) => [field, field === 'code' ? 'second' : ['b1']]),
    )
    await expect(indexed.create({ collection: 'items', data })).resolves.toMatchObject(data)
    for (const field of changed.filter((each) => each !== 'code')) {
      for (const [value, total] of [
        ['b1', 1],
        ['b2', 0],
        ['c2', 1],
      ] as const) {
        const where = { [field]: { equals: value } }
        expect((await indexed.count({ collection: 'items', where })).totalDocs).toBe(total)
      }
    }
  }

  it.each([['tags'], ['code']] as const)(
    'an index (%s) dropped between a split write computing its early items and sending them keeps none of them',
    async (dropped) => {
      const changed: Field[] = ['code', 'tags']
      const race = await dropDuringSplit([dropped], changed, earlyRequest)
      // Nothing of the dropped index is left in the table.
      const prefix = `#${dropped === 'code' ? 'U' : 'I'}#${dropped}`
      expect(
        await scanCount(adapterOf(race.other), 'contains(pk, :prefix)', {
          ':prefix': { S: prefix },
        }),
      ).toBe(0)
      await buildAgain(race, changed)
    },
    120_000,
  )

  it("indexes dropped between a split write's own request and the counts it moves after it keep none of those counts", async () => {
    const changed: Field[] = ['tags', 'labels']
    const race = await dropDuringSplit(changed, changed, laterRequest)
    for (const field of changed) {
      expect(
        await scanCount(adapterOf(race.other), 'contains(pk, :prefix)', {
          ':prefix': { S: `#K#${field}` },
        }),
      ).toBe(0)
    }
    await buildAgain(race, changed)
  }, 120_000)
})
