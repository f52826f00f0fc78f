/**
 * What a lease holder takes into the documents it holds (read/snapshots.ts) must never put an
 * older document over a newer one. A write of its own whose acknowledgement arrives late may
 * already be in a snapshot read after the write committed (and after another process's write
 * over it): taking that write's images in again would bring the older document back, and under
 * the lease nothing reads the table to notice.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../../src/index.js'

import { leaseServes } from '../../src/leases/holdLease.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { setEnv } from '../support/env.js'

const LEASE_MS = 300

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'views', type: 'number' },
        ],
      },
    ],
    db,
    secret: 'lease-snapshots-test',
    telemetry: false,
  }
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

/** Queries until the process answers `posts` from its lease. */
async function untilLeased(payload: Payload): Promise<void> {
  const adapter = adapterOf(payload)
  const pk = collectionNamespace(adapter, 'posts').pk
  for (let round = 0; round < 400; round++) {
    await payload.count({ collection: 'posts' })
    if (leaseServes(adapter, pk)) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('the lease of posts was never taken')
}

/**
 * Holds the answer of the next `TransactWriteItems` after DynamoDB applied it, until `release`:
 * an acknowledgement that arrives late (as after an SDK retry).
 */
function holdNextWriteAnswer(adapter: DynamoDBAdapter) {
  const send = adapter.docClient.send.bind(adapter.docClient)
  let release = () => {}
  const released = new Promise<void>((resolve) => (release = resolve))
  let reachedGate = () => {}
  const applied = new Promise<void>((resolve) => (reachedGate = resolve))
  let armed = true
  adapter.docClient.send = (async (command: { constructor: { name: string } }, ...rest: []) => {
    const output = await send(command as never, ...rest)
    if (armed && command.constructor.name === 'TransactWriteCommand') {
      armed = false
      reachedGate()
      await released
    }
    return output
  }) as typeof adapter.docClient.send
  return { applied, release, restore: () => (adapter.docClient.send = send) }
}

describe('what a lease holder takes in from its own writes', () => {
  const started: Payload[] = []
  let restoreEnv = () => {}

  const start = async (tableName: string, options: Partial<DynamoDBAdapterArgs> = {}) => {
    const payload = await bootOnTable(config, tableName, options)
    started.push(payload)
    return payload
  }

  beforeAll(() => {
    restoreEnv = setEnv('PAYLOAD_DYNAMODB_READ_LEASE_MS', String(LEASE_MS))
  })

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
    restoreEnv()
  })

  it.each([
    ['updates', 3],
    ['deletes', undefined],
  ] as const)(
    'a write acknowledged after a snapshot that holds it and a newer write is not applied again (the other process %s)',
    async (change, expected) => {
      const tableName = `lease-snapshots-${randomUUID()}`
      const holder = await start(tableName, { readCache: {} })
      const other = await start(tableName, { readCache: false })
      const post = await holder.create({ collection: 'posts', data: { title: 'X', views: 1 } })
      const views = async () =>
        (await holder.find({ collection: 'posts', depth: 0, where: { title: { equals: 'X' } } }))
          .docs[0]?.views
      expect(await views()).toBe(1)

      const gate = holdNextWriteAnswer(adapterOf(holder))
      const own = holder.update({ collection: 'posts', data: { views: 2 }, id: post.id })
      await gate.applied
      // Another process writes over it before the first write's answer arrives.
      if (change === 'updates') {
        await other.update({ collection: 'posts', data: { views: 3 }, id: post.id })
      } else {
        await other.delete({ collection: 'posts', id: post.id })
      }
      // The holder reads the table again (its write is in flight): a snapshot that has both.
      for (let round = 0; round < 10; round++) {
        expect(await views()).toBe(expected)
      }
      gate.release()
      await own
      gate.restore()
      await untilLeased(holder)
      const seen: unknown[] = []
      for (let round = 0; round < 5; round++) {
        seen.push(await views())
      }
      // Before: [2, 2, 2, 2, 2] both times, the first write's image taken in over the snapshot.
      expect(seen).toEqual(Array(5).fill(expected))
      expect((await other.find({ collection: 'posts', depth: 0 })).docs[0]?.views).toBe(expected)
    },
    120_000,
  )
})
