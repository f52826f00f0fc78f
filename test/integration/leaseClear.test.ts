/**
 * Read leases (src/leases/) across an emptied table (`clearDatabase`, `migrate:fresh`). A writer
 * learns of a lease through the version on the collection's counter shards: the lease's taking
 * moves it past what the writer knows, so the writer's shard condition fails and it reads the
 * state item again. Emptying the table must not let that version fall back below what a
 * surviving process knows, or its writes pass the condition while another process answers from
 * its lease.
 */
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { ItemKey } from '../../src/keys/itemKeys.js'

import { leaseServes } from '../../src/leases/holdLease.js'
import { revocationWait } from '../../src/leases/leaseTiming.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { adapterOf, leasedPostsProcesses, untilLeased } from '../support/leasedPosts.js'

/** Holds the clear once a BatchWriteItem deleting documents of partition `pk` was applied. */
function pauseAfterFirstDelete(adapter: DynamoDBAdapter, pk: string) {
  const send = adapter.docClient.send.bind(adapter.docClient)
  let release = () => {}
  const released = new Promise<void>((resolve) => (release = resolve))
  let reached = () => {}
  const paused = new Promise<void>((resolve) => (reached = resolve))
  let armed = true
  adapter.docClient.send = (async (command: { input?: unknown }, ...rest: []) => {
    const output = await send(command as never, ...rest)
    const requests = Object.values(
      (command.input as { RequestItems?: Record<string, { DeleteRequest?: { Key: ItemKey } }[]> })
        .RequestItems ?? {},
    ).flat()
    const deletes = requests.map((request) => request.DeleteRequest?.Key)
    if (armed && deletes.some((key) => key?.pk === pk && key.sk.startsWith('D#'))) {
      armed = false
      reached()
      await released
      adapter.docClient.send = send
    }
    return output
  }) as typeof adapter.docClient.send
  return { paused, release }
}

describe('read leases across an emptied table', () => {
  const start = leasedPostsProcesses()

  it.each([
    ['as many counter shards as the holder', 1],
    // Its write lands on a shard the holder does not write (31 times in 32).
    ['more counter shards than the holder', 32],
  ])(
    "a writer that lived through another process's clearDatabase takes the holder's new lease back before writing (%s)",
    async (_, shards) => {
      const tableName = `lease-clear-${randomUUID()}`
      const holder = await start(tableName, { counterShards: 1, readCache: {} })
      const writer = await start(tableName, { counterShards: shards, readCache: false })
      const first = await holder.create({ collection: 'posts', data: { title: 'P', views: 1 } })
      await untilLeased(holder)
      // The writer takes that lease back, and knows the collection has none since.
      await writer.update({ collection: 'posts', data: { views: 2 }, id: first.id })

      await adapterOf(holder).clearDatabase()
      const post = await holder.create({ collection: 'posts', data: { title: 'Q', views: 1 } })
      await untilLeased(holder)
      const began = performance.now()
      await writer.update({ collection: 'posts', data: { views: 3 }, id: post.id })
      const waited = performance.now() - began
      const seen = (await holder.findByID({ collection: 'posts', id: post.id })).views
      // Before: written at once (about 10 ms) and the holder answered views 1 from its lease.
      expect({ seen, waited: waited >= revocationWait() }).toEqual({ seen: 3, waited: true })
    },
    120_000,
  )

  it('a lease the clear took back is gone after it: the clearing process takes the lease and writes at once', async () => {
    const tableName = `lease-clear-${randomUUID()}`
    const holder = await start(tableName, { readCache: {} })
    const clearer = await start(tableName, { readCache: {} })
    await holder.create({ collection: 'posts', data: { title: 'P', views: 1 } })
    await untilLeased(holder)
    await adapterOf(clearer).clearDatabase()
    await clearer.create({ collection: 'posts', data: { title: 'Q', views: 1 } })
    await untilLeased(clearer)
    const began = performance.now()
    await clearer.create({ collection: 'posts', data: { title: 'R', views: 1 } })
    expect(performance.now() - began).toBeLessThan(revocationWait())
    expect((await holder.count({ collection: 'posts' })).totalDocs).toBe(2)
  }, 120_000)

  it('no lease is taken over a partition the clear has half emptied', async () => {
    const tableName = `lease-clear-${randomUUID()}`
    const holder = await start(tableName, { readCache: {} })
    const clearer = await start(tableName, { readCache: false })
    for (let i = 0; i < 60; i++) {
      await clearer.create({ collection: 'posts', data: { title: `P${i}`, views: i } })
    }
    expect((await holder.count({ collection: 'posts' })).totalDocs).toBe(60)
    // The clear stops after its first delete of documents of posts (their counter items are
    // deleted after them), while the holder keeps reading.
    const gate = pauseAfterFirstDelete(adapterOf(clearer), 'C#posts')
    const clearing = adapterOf(clearer).clearDatabase()
    await gate.paused
    const pk = collectionNamespace(adapterOf(holder), 'posts').pk
    let leased = false
    for (let round = 0; round < 60 && !leased; round++) {
      await holder.count({ collection: 'posts' })
      leased = leaseServes(adapterOf(holder), pk)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    gate.release()
    await clearing
    const counted = (await holder.count({ collection: 'posts' })).totalDocs
    const found = (await holder.find({ collection: 'posts', limit: 0 })).docs.length
    // Before: the lease taken during the pause, and the 60 documents answered after the clear.
    expect({ counted, found, leased }).toEqual({ counted: 0, found: 0, leased: false })
  }, 120_000)
})
