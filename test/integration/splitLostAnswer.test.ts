/**
 * A split document's own request (write/splitGroup.ts: the document with its counts, and the
 * record of what moves after it) is applied by DynamoDB, but its answer is lost, and the SDK's
 * retry of it is cancelled by a transaction conflict. The journal's next attempt sends it again
 * with a new token and meets the document's new revision: the write is computed again over the
 * stored document. What the first attempt recorded to move after its document (removals of the
 * old values, their counts) must still be moved, or the counters and entries of the old values
 * stay behind.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { type FaultProxy, startFaultProxy } from '../support/faultProxy.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'

const VALUES = 40

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'items',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'tags', type: 'text', hasMany: true, index: true },
        { name: 'labels', type: 'text', hasMany: true, index: true },
      ],
    },
  ],
  db,
  secret: 'split-lost-answer',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter
const values = (prefix: string) => Array.from({ length: VALUES }, (_, n) => `${prefix}${n}`)

type TransactItem = Record<string, { Item?: { pk?: string }; Key?: { pk?: string } }>

/** A split document's own request: it writes the record of what moves after it (`D#`). */
function documentRequest(command: SentCommand): boolean {
  if (command.constructor.name !== 'TransactWriteCommand') {
    return false
  }
  const items = (command.input as { TransactItems: TransactItem[] }).TransactItems
  return items.some((item) => {
    const put = item.Put?.Item as { pk?: string; sk?: string } | undefined
    return String(put?.pk ?? '').startsWith('J#') && String(put?.sk ?? '').startsWith('D#')
  })
}

describe("a split document's request applied with its answer lost", () => {
  let proxy: FaultProxy
  let payload: Payload

  beforeAll(async () => {
    proxy = await startFaultProxy({ seed: 1 })
    payload = await bootOnTable(config, `split-lost-answer-${randomUUID()}`, {
      clientConfig: proxy.clientConfig(),
      readCache: false,
    })
  })

  afterAll(async () => {
    await payload?.destroy()
    await proxy?.close()
  })

  it('moves what the applied request recorded to move after it, and every count is exact', async () => {
    const doc = await payload.create({
      collection: 'items',
      data: { labels: values('a'), tags: values('a'), title: 'first' },
    })
    let staged = 0
    const watch = watchSends(adapterOf(payload), async (command) => {
      if (staged === 0 && documentRequest(command)) {
        staged++
        // Applied, answer lost; the SDK's retry (same token) is cancelled by a conflict; the
        // adapter's next attempt (a new token) goes through to DynamoDB.
        proxy.configure({
          operations: ['TransactWriteItems'],
          script: ['lostResponse', 'transactionConflict'],
        })
      }
    })
    try {
      await payload.update({
        id: doc.id,
        collection: 'items',
        data: { labels: values('b'), tags: values('b') },
      })
    } finally {
      watch.restore()
      proxy.configure({})
    }
    expect(staged).toBe(1)
    const faults = proxy.counts().byOperation.TransactWriteItems
    expect([faults?.lostResponse, faults?.transactionConflict]).toEqual([1, 1])

    const report = await adapterOf(payload).verifyIndexes({ collection: 'items' })
    expect(report.clean ? 'clean' : report).toBe('clean')
    for (const field of ['tags', 'labels']) {
      for (const [value, total] of [
        ['a1', 0],
        ['b1', 1],
      ] as const) {
        const where = { [field]: { equals: value } }
        expect((await payload.count({ collection: 'items', where })).totalDocs).toBe(total)
        expect((await payload.find({ collection: 'items', where })).totalDocs).toBe(total)
      }
    }
  }, 120_000)
})
