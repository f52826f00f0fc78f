/**
 * A build over several pages whose index another process drops between two pages (a process of
 * a config without the index, or a build of the same index that failed and took it out of the
 * record). The drop deletes what the index holds and moves its generation on; the build must not
 * go on writing entries, value counts or its position after that: nobody would delete them, and
 * the next build would resume from that position (leaving the pages before it without entries)
 * and count again what was counted under the old generation.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { APIError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'
import { scanCount } from '../support/tableScan.js'

const DOCUMENTS = 250

const config =
  (indexed: boolean) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'n', type: 'number', index: indexed },
        ],
      },
    ],
    db,
    secret: 'called-off-build',
    telemetry: false,
  })

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

/** The update that records the build's position in the collection (`progress:n`). */
function recordsProgress(command: SentCommand): boolean {
  const input = command.input as {
    ExpressionAttributeNames?: Record<string, string>
    UpdateExpression?: string
  }
  return Object.entries(input.ExpressionAttributeNames ?? {}).some(
    ([placeholder, name]) =>
      name === 'progress:n' && input.UpdateExpression?.includes(`${placeholder} = `),
  )
}

useIndexStateMaxAge(300)

describe('a build whose index is dropped between two of its pages', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('stops, leaves nothing of the index, and the next build is whole and exact', async () => {
    const table = `called-off-build-${randomUUID()}`
    const dropper = await bootOnTable(config(false), table, { buildIndexes: true })
    started.push(dropper)
    for (let i = 0; i < DOCUMENTS; i++) {
      await dropper.create({ collection: 'items', data: { n: i % 4, title: `t${i}` } })
    }
    const builder = await bootOnTable(config(true), table, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(builder)

    let dropped = false
    const watch = watchSends(adapterOf(builder), async (command) => {
      if (!dropped && recordsProgress(command)) {
        dropped = true
        await adapterOf(dropper).syncIndexes()
      }
    })
    let failure: unknown
    try {
      await adapterOf(builder).syncIndexes()
    } catch (error) {
      failure = error
    } finally {
      watch.restore()
    }
    expect(dropped).toBe(true)
    expect(failure).toBeInstanceOf(APIError)
    expect((failure as APIError).message).toMatch(/called off by another process/)
    // Nothing of the index is left: no entry, no value count.
    for (const kind of ['I', 'K']) {
      expect(
        await scanCount(adapterOf(builder), 'contains(pk, :part)', {
          ':part': { S: `#${kind}#n` },
        }),
      ).toBe(0)
    }

    // Built again once no process drops it: from the first document, every count exact.
    await dropper.destroy()
    started.splice(started.indexOf(dropper), 1)
    await adapterOf(builder).syncIndexes()
    const where = { n: { equals: 2 } }
    expect((await adapterOf(builder).explain({ collection: 'items', where })).plan.kind).toBe(
      'index',
    )
    expect((await builder.count({ collection: 'items', where })).totalDocs).toBe(62)
    expect((await builder.find({ collection: 'items', limit: 0, where })).totalDocs).toBe(62)
    const report = await adapterOf(builder).verifyIndexes({ collection: 'items' })
    expect(report.clean ? 'clean' : report).toBe('clean')
  }, 180_000)
})
