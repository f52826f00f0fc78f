/**
 * A read lease's taking applied by DynamoDB whose answer is lost (the connection drops after the
 * commit, the SDK's retries fail too): the process never recorded the lease, so it neither uses
 * nor confirms it. Before, the give-back after the failure sent nothing (it gave back only leases
 * recorded in memory): the state item kept the process as the owner, every other process's next
 * write waited a revocation for nobody, and the process itself could never take the lease again
 * (the taking's condition wants no owner) until another process wrote. A taking is never made
 * while a give-back is on its way: one landing after the new taking would remove it.
 */
import type { Payload } from 'payload'

import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { leaseServes } from '../../src/leases/holdLease.js'
import { holders, leaseHolderID } from '../../src/leases/leaseState.js'
import { revocationWait } from '../../src/leases/leaseTiming.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { adapterOf, leasedPostsProcesses } from '../support/leasedPosts.js'

type Command = { constructor: { name: string }; input: Record<string, unknown> }

const isTaking = (command: Command) =>
  command.constructor.name === 'TransactWriteCommand' &&
  JSON.stringify(command.input).includes('SET #lo = :me')
const isGivingBack = (command: Command) =>
  command.constructor.name === 'UpdateCommand' && command.input.UpdateExpression === 'REMOVE #lo'

/**
 * Lets the holder's first lease taking through to DynamoDB and then loses its answer; with
 * `giveBackFails`, the give-back after it fails before it is sent. Returns once that taking ended.
 */
async function loseTakingAnswer(holder: Payload, giveBackFails: boolean): Promise<void> {
  const adapter = adapterOf(holder)
  const { docClient } = adapter
  const send = docClient.send.bind(docClient)
  let lost = 0
  docClient.send = (async (command: Command, ...rest: []) => {
    if (giveBackFails && lost > 0 && isGivingBack(command)) {
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    }
    const output = await send(command as never, ...rest)
    if (lost === 0 && isTaking(command)) {
      lost++
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    }
    return output
  }) as typeof docClient.send
  try {
    for (let round = 0; round < 200 && lost === 0; round++) {
      await holder.count({ collection: 'posts' })
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(lost).toBe(1)
    await Promise.allSettled([...(holders.get(adapter)?.acquiring.values() ?? [])])
  } finally {
    docClient.send = send
  }
}

async function ownerOf(adapter: DynamoDBAdapter, pk: string): Promise<unknown> {
  const { Item } = await adapter.docClient.send(
    new GetCommand({
      ConsistentRead: true,
      Key: { pk, sk: 'M#indexes' },
      TableName: adapter.tableName,
    }),
  )
  return Item?.lo
}

describe('a lease taking whose answer was lost', () => {
  const start = leasedPostsProcesses()

  async function processes() {
    const tableName = `lease-lost-answer-${randomUUID()}`
    const writer = await start(tableName, { readCache: false })
    const post = await writer.create({ collection: 'posts', data: { title: 'a', views: 1 } })
    const holder = await start(tableName, { readCache: {} })
    const adapter = adapterOf(holder)
    return { adapter, holder, pk: collectionNamespace(adapter, 'posts').pk, post, writer }
  }

  it('is given back: no owner left, and a writer does not wait for one', async () => {
    const { adapter, holder, pk, post, writer } = await processes()
    await loseTakingAnswer(holder, false)
    expect(leaseServes(adapter, pk)).toBe(false)
    expect(await ownerOf(adapter, pk)).toBeUndefined()
    const began = performance.now()
    await writer.update({ id: post.id, collection: 'posts', data: { views: 2 } })
    expect(performance.now() - began).toBeLessThan(revocationWait())
    expect((await holder.findByID({ id: post.id, collection: 'posts' })).views).toBe(2)
  })

  it('left on the item when the give-back fails too: the process gives it back and takes it later', async () => {
    const { adapter, holder, pk, post, writer } = await processes()
    await loseTakingAnswer(holder, true)
    // Nobody holds it, though the item names this process.
    expect(await ownerOf(adapter, pk)).toBe(leaseHolderID(adapter))
    expect(leaseServes(adapter, pk)).toBe(false)
    // After its retry delay (15 lease durations), its attempt finds its own lease held by
    // nobody and gives it back; the attempt after the next delay takes it.
    let served = false
    const until = performance.now() + 15_000
    while (!served && performance.now() < until) {
      await holder.count({ collection: 'posts' })
      served = leaseServes(adapter, pk)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(served).toBe(true)
    // A real lease now: the writer takes it back, and the holder then shows the write.
    await writer.update({ id: post.id, collection: 'posts', data: { views: 3 } })
    expect((await holder.findByID({ id: post.id, collection: 'posts' })).views).toBe(3)
    expect((await holder.count({ collection: 'posts' })).totalDocs).toBe(1)
  })
})
