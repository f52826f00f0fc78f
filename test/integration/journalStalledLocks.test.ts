/**
 * A process that stalls in the lock step of a write of more than 100 items, while another process
 * takes the write over and ends it: when it resumes, its late lock requests meet documents the
 * other one changed. It must answer as that one ended the write, never compute it again under the
 * same write id (which applied an `$inc` twice).
 */
import type { Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { SentCommand } from '../support/journalItems.js'

import { bootOnTable } from '../support/bootPayload.js'
import { groupDocs, groupItemsConfig } from '../support/groupItems.js'
import { watchSends } from '../support/journalItems.js'
import { scanCount } from '../support/tableScan.js'

const DOCUMENTS = 150
/** Lock requests that go through before the stalled process's requests are held. */
const PASSED = 10

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Whether `command` sets a document lock (documentLocks.ts `setLock`). */
function setsLock(command: SentCommand): boolean {
  const input = command.input as { ExpressionAttributeNames?: Record<string, string> } | undefined
  return (
    command.constructor.name === 'UpdateCommand' &&
    input?.ExpressionAttributeNames?.['#set0'] === 'lk'
  )
}

describe('a process stalled in its lock step while another process ends its write', () => {
  let a: Payload
  let b: Payload

  beforeAll(async () => {
    const table = `stalled-locks-${randomUUID()}`
    a = await bootOnTable(groupItemsConfig, table)
    b = await bootOnTable(groupItemsConfig, table)
  })

  afterAll(async () => {
    await a?.destroy()
    await b?.destroy()
  })

  it('answers as that process applied it and does not apply it again', async () => {
    const group = 'stalled'
    for (let n = 0; n < DOCUMENTS; n++) {
      await b.db.create({ collection: 'items', data: { batch: 'old', group, n: 0 } })
    }
    const adapter = a.db as unknown as DynamoDBAdapter
    let locks = 0
    let holding = false
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    // After the first locks, its lock requests are held, and its beats with them.
    const watch = watchSends(adapter, async (command) => {
      if (setsLock(command)) {
        locks++
        holding ||= locks > PASSED
      }
      if (holding && command.constructor.name === 'UpdateCommand') {
        await released
      }
    })
    let outcome: unknown
    try {
      const bulk = a.db
        .updateMany({
          collection: 'items',
          data: { batch: 'bulk', n: { $inc: 1 } },
          where: { group: { equals: group } },
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        )
      for (let waited = 0; locks < 2 * PASSED; waited += 20) {
        if (waited > 20_000) {
          throw new Error('timed out waiting for the held lock requests')
        }
        await sleep(20)
      }
      // The other process takes the write over at once and applies it whole.
      expect(
        await (b.db as unknown as DynamoDBAdapter).finishOpenCommits({ olderThanMs: 0 }),
      ).toEqual({ deferred: 0, finished: 1 })
      release()
      outcome = await bulk
    } finally {
      release()
      watch.restore()
    }
    expect(outcome).toBeUndefined()
    for (const payload of [a, b]) {
      const docs = await groupDocs(payload, group)
      expect(docs).toHaveLength(DOCUMENTS)
      expect(docs.filter((doc) => doc.batch !== 'bulk' || doc.n !== 1)).toEqual([])
    }
    expect(await scanCount(adapter, 'attribute_exists(lk)')).toBe(0)
    expect(await scanCount(adapter, 'begins_with(pk, :j)', { ':j': { S: 'J#' } })).toBe(0)
    const report = await adapter.verifyIndexes({ collection: 'items' })
    expect(report.clean || report).toBe(true)
  }, 120_000)
})
