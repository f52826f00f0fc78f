/**
 * A give-back of a process's read lease still on its way (a slow connection; the idle give-back,
 * say) while its queries go on: no new taking may land before it, or the late give-back removes
 * the owner the new lease relies on, and another process then writes without taking the lease
 * back while the holder answers the old document from memory. (An intermediate change of
 * 2026-12-08 let a process take a lease the item still named it the owner of, which opened that
 * window; takings now wait for the process's give-backs to end.)
 */
import type { Payload } from 'payload'

import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import { leaseServes, releaseLease } from '../../src/leases/holdLease.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { setEnv } from '../support/env.js'
import { adapterOf, leasedPostsConfig } from '../support/leasedPosts.js'

type Command = { constructor: { name: string }; input: Record<string, unknown> }

describe('a give-back on its way while queries go on', () => {
  const started: Payload[] = []
  let restore = () => {}
  beforeAll(() => {
    restore = setEnv('PAYLOAD_DYNAMODB_READ_LEASE_MS', '3000')
  })
  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
    restore()
  })

  it('never answers from a lease the state item no longer records', async () => {
    const tableName = `lease-give-back-race-${randomUUID()}`
    const writer = await bootOnTable(leasedPostsConfig, tableName, { readCache: false })
    started.push(writer)
    const post = await writer.create({ collection: 'posts', data: { title: 'a', views: 1 } })
    const holder = await bootOnTable(leasedPostsConfig, tableName, { readCache: {} })
    started.push(holder)
    const adapter = adapterOf(holder)
    const namespace = collectionNamespace(adapter, 'posts')
    const pk = namespace.pk
    const servedAfter = async (rounds: number) => {
      for (let round = 0; round < rounds; round++) {
        await holder.count({ collection: 'posts' })
        if (leaseServes(adapter, pk)) {
          return true
        }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      return false
    }
    expect(await servedAfter(400)).toBe(true)

    // The give-back (as the idle one sends it) is slow on its way; confirmations are too.
    const { docClient } = adapter
    const send = docClient.send.bind(docClient)
    let openGiveBack = () => {}
    const giveBackGate = new Promise<void>((resolve) => {
      openGiveBack = resolve
    })
    let openConfirm = () => {}
    const confirmGate = new Promise<void>((resolve) => {
      openConfirm = resolve
    })
    docClient.send = (async (command: Command, ...rest: []) => {
      if (
        command.constructor.name === 'UpdateCommand' &&
        command.input.UpdateExpression === 'REMOVE #lo'
      ) {
        await giveBackGate
      }
      if (command.constructor.name === 'BatchGetCommand') {
        await confirmGate
      }
      return send(command as never, ...rest)
    }) as typeof docClient.send
    try {
      const givingBack = releaseLease(adapter, namespace)
      expect(leaseServes(adapter, pk)).toBe(false)
      // Queries go on meanwhile: five clean checks take the lease again.
      const retaken = await servedAfter(100)
      openGiveBack()
      await givingBack
      const { Item } = await send(
        new GetCommand({
          ConsistentRead: true,
          Key: { pk, sk: 'M#indexes' },
          TableName: tableName,
        }),
      )
      const owner = Item?.lo
      // Another process writes: with no owner on the item, it does not wait.
      await writer.update({ id: post.id, collection: 'posts', data: { views: 2 } })
      const seen = (await holder.findByID({ id: post.id, collection: 'posts' })).views
      expect(seen).toBe(2)
      // Not taken again while the give-back was on its way.
      expect(retaken).toBe(false)
      expect(owner === undefined && leaseServes(adapter, pk)).toBe(false)
    } finally {
      openGiveBack()
      openConfirm()
      docClient.send = send
    }
  }, 60_000)
})
