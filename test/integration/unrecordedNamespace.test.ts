/**
 * A namespace with documents but no recorded index state (stored by a version of the adapter
 * that did not record it, or its state item lost): queries read no index of it until a build
 * records them, and writers keep maintaining every index of the config, unique markers included.
 * Before, the state read on connect turned "nothing recorded" into "nothing built", and from then
 * on this process's writes maintained no index at all: a duplicate unique value was taken.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { DeleteCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { STATE_SK } from '../../src/indexes/versionBump.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'

const codes = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'items',
      fields: [
        { name: 'code', type: 'text', unique: true },
        { name: 'kind', type: 'text', index: true },
      ],
    },
  ],
  db,
  secret: 'unrecorded-namespace',
  telemetry: false,
})

describe('a namespace without recorded index state', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('keeps its unique values refused and its indexes maintained until the build', async () => {
    const table = `unrecorded-${randomUUID()}`
    const first = await bootOnTable(codes, table, { readCache: false })
    started.push(first)
    await first.create({ collection: 'items', data: { code: 'a', kind: 'x' } })
    const firstDb = first.db as unknown as DynamoDBAdapter
    await firstDb.docClient.send(
      new DeleteCommand({
        Key: { pk: collectionNamespace(firstDb, 'items').pk, sk: STATE_SK },
        TableName: table,
      }),
    )

    const next = await bootOnTable(codes, table, { buildIndexes: false, readCache: false })
    started.push(next)
    const db = next.db as unknown as DynamoDBAdapter
    await expect(
      next.create({ collection: 'items', data: { code: 'a', kind: 'y' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    const created = await next.create({ collection: 'items', data: { code: 'b', kind: 'x' } })
    await expect(
      next.create({ collection: 'items', data: { code: 'b', kind: 'z' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    // Answered without an index (none is recorded as built), still exactly.
    const found = await next.find({ collection: 'items', where: { kind: { equals: 'x' } } })
    expect(found.docs.map((doc) => doc.code).sort()).toEqual(['a', 'b'])

    // The build records the indexes; the entries the writer kept are what it finds.
    await db.syncIndexes()
    expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
    expect(await db.verifyIndexes({ collection: 'items' })).toMatchObject({ clean: true })
    await next.update({ collection: 'items', data: { code: 'c' }, id: created.id })
    await next.create({ collection: 'items', data: { code: 'b', kind: 'x' } })
    await expect(
      next.create({ collection: 'items', data: { code: 'c', kind: 'x' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
    expect(await db.verifyIndexes({ collection: 'items' })).toMatchObject({ clean: true })
  }, 120_000)
})
