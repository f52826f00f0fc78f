/**
 * Read leases (src/leases/) across an emptied table (`clearDatabase`, `migrate:fresh`). A writer
 * learns of a lease through the version on the collection's counter shards: the lease's taking
 * moves it past what the writer knows, so the writer's shard condition fails and it reads the
 * state item again. Emptying the table must not let that version fall back below what a
 * surviving process knows, or its writes pass the condition while another process answers from
 * its lease.
 */
import { randomUUID } from 'node:crypto'

import { revocationWait } from '../../src/leases/leaseTiming.js'
import { adapterOf, leasedPostsProcesses, untilLeased } from '../support/leasedPosts.js'

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
})
