/**
 * An index change or a lease taking moves the namespace's version on the state item and every
 * counter shard in one transaction (indexes/versionBump.ts). The shards are what every writer
 * updates, so on a busy table that transaction meets `TransactionConflict` (DynamoDB Local never
 * raises it: the fault proxy does). It must wait and try again, not fall back to the two-step
 * way (the state item, then the shards), in which a writer that has not read the new state
 * still passes its shard condition.
 */
import type { Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bumpAtomically, INDEX_VERSION_ATTRIBUTE } from '../../src/indexes/versionBump.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { type FaultProxy, startFaultProxy } from '../support/faultProxy.js'
import { scanCount } from '../support/tableScan.js'

describe('the version bump under transaction conflicts', () => {
  let proxy: FaultProxy
  let payload: Payload

  beforeAll(async () => {
    proxy = await startFaultProxy({ seed: 3 })
    payload = await bootOnTable(
      (db) => ({
        collections: [{ slug: 'notes', fields: [{ name: 'title', type: 'text', index: true }] }],
        db,
        secret: 'version-bump',
        telemetry: false,
      }),
      `version-bump-${randomUUID()}`,
      { clientConfig: proxy.clientConfig(), counterShards: 8, readCache: false },
    )
    await payload.create({ collection: 'notes', data: { title: 'first' } })
  })

  afterAll(async () => {
    await payload?.destroy()
    await proxy?.close()
  })

  it('goes through in one transaction after six conflicts in a row', async () => {
    const adapter = payload.db as unknown as DynamoDBAdapter
    const namespace = collectionNamespace(adapter, 'notes')
    proxy.resetCounts()
    proxy.configure({
      operations: ['TransactWriteItems'],
      script: Array.from({ length: 6 }, () => 'transactionConflict' as const),
    })
    const bumped = await bumpAtomically(adapter, namespace, {})
    proxy.configure({})
    expect(proxy.counts().transactionConflict).toBe(6)
    expect(bumped).toMatchObject({ version: expect.any(Number) })
    const version = (bumped as { version: number }).version
    // The state item and all 8 shards carry the new version.
    expect(
      await scanCount(
        adapter,
        'begins_with(pk, :pk) AND #iv = :iv',
        {
          ':iv': { N: String(version) },
          ':pk': { S: namespace.pk },
        },
        { '#iv': INDEX_VERSION_ATTRIBUTE },
      ),
    ).toBe(9)
  })
})
