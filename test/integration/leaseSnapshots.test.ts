/**
 * What a lease holder takes into the documents it holds (read/snapshots.ts) must never put an
 * older document over a newer one. A write of its own whose acknowledgement arrives late may
 * already be in a snapshot read after the write committed (and after another process's write
 * over it): taking that write's images in again would bring the older document back, and under
 * the lease nothing reads the table to notice.
 */
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { leaseServes } from '../../src/leases/holdLease.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { dropSnapshots } from '../../src/read/snapshots.js'
import { adapterOf, leasedPostsProcesses, untilLeased } from '../support/leasedPosts.js'

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

/**
 * Holds the answer of the second read of `posts`' counter items from now on (a load's check
 * that nothing was written while it read the partition), after DynamoDB answered it, until
 * `release`: an answer delayed on the way back.
 */
function holdLoadCheck(adapter: DynamoDBAdapter) {
  const send = adapter.docClient.send.bind(adapter.docClient)
  let release = () => {}
  const released = new Promise<void>((resolve) => (release = resolve))
  let reachedGate = () => {}
  const answered = new Promise<void>((resolve) => (reachedGate = resolve))
  let counterReads = 0
  adapter.docClient.send = (async (
    command: { constructor: { name: string }; input: unknown },
    ...rest: []
  ) => {
    const output = await send(command as never, ...rest)
    const counterRead =
      command.constructor.name === 'QueryCommand' &&
      JSON.stringify(command.input).includes('M#count')
    if (counterRead && ++counterReads === 2) {
      reachedGate()
      await released
    }
    return output
  }) as typeof adapter.docClient.send
  return { answered, release, restore: () => (adapter.docClient.send = send) }
}

describe('what a lease holder takes in from its own writes', () => {
  const start = leasedPostsProcesses()

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

  it('a load whose check answers late does not put a snapshot without an own write over one that has it', async () => {
    const holder = await start(`lease-snapshots-${randomUUID()}`, { readCache: {} })
    const post = await holder.create({ collection: 'posts', data: { title: 'X', views: 1 } })
    await holder.create({ collection: 'posts', data: { title: 'Y', views: 5 } })
    await untilLeased(holder)
    const adapter = adapterOf(holder)
    const views = async () =>
      (await holder.find({ collection: 'posts', depth: 0, where: { title: { equals: 'X' } } }))
        .docs[0]?.views
    // The snapshot is let go of (as after its 60 s or 50 own writes); the lease stays.
    dropSnapshots(adapter)
    const gate = holdLoadCheck(adapter)
    // Load 1 reads the partition; its check is answered by DynamoDB, then held on the way back.
    const first = views()
    await gate.answered
    // Load 2 is kept, a check confirms it, and a write of the holder lands over it.
    expect(await views()).toBe(1)
    expect(await views()).toBe(1)
    await holder.update({ collection: 'posts', data: { views: 2 }, id: post.id })
    gate.release()
    expect(await first).toBe(1)
    gate.restore()
    const pk = collectionNamespace(adapter, 'posts').pk
    const seen: unknown[] = []
    for (let round = 0; round < 5; round++) {
      seen.push(await views())
    }
    // Before: [1, 1, 1, 1, 1] under the lease, load 1's snapshot put over load 2's and the write.
    expect(seen).toEqual(Array(5).fill(2))
    expect(leaseServes(adapter, pk)).toBe(true)
  }, 120_000)

  it.each([
    ['maxDocuments', { maxDocuments: 10 }, 'short'],
    ['maxBytes', { maxBytes: 20_000 }, 'x'.repeat(4_000)],
  ] as const)(
    'a collection its own writes take past %s is no longer held',
    async (_, limit, title) => {
      const holder = await start(`lease-snapshots-${randomUUID()}`, {
        readCache: { ...limit },
      })
      for (let i = 0; i < 8; i++) {
        await holder.create({ collection: 'posts', data: { title: `P${i}`, views: i } })
      }
      await untilLeased(holder)
      // Taken in from what the writes stored (under the lease, without a read).
      for (let i = 0; i < 5; i++) {
        await holder.create({ collection: 'posts', data: { title, views: 100 + i } })
        expect((await holder.count({ collection: 'posts' })).totalDocs).toBe(9 + i)
      }
      const explained = await adapterOf(holder).explain({ collection: 'posts' })
      // Before: "held in memory, leased", 13 documents or about 21 KB.
      expect(explained.description).not.toContain('held in memory')
    },
    120_000,
  )
})
