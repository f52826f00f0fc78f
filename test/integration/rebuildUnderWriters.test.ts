/**
 * `rebuildIndexes` while another process keeps writing: creates that try values other documents
 * hold (each must be refused), updates of indexed fields, new documents and deletes. The rebuild
 * must never let a taken value through (it clears nothing, so the markers keep refusing), must
 * leave no entry of a version replaced meanwhile, and must end with exact counts, the drift it
 * was given repaired, and `verifyIndexes` clean.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'

const STATUSES = ['draft', 'published', 'archived']
const SEEDED = 120

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'products',
      fields: [
        { name: 'sku', type: 'text', unique: true },
        { name: 'status', type: 'text', index: true },
        { name: 'price', type: 'number', index: true },
      ],
    },
  ],
  db,
  secret: 'rebuild-under-writers-secret',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

type Product = { id: number | string; price: number; sku: string; status: string }

async function allProducts(payload: Payload): Promise<Product[]> {
  const { docs } = await payload.find({ collection: 'products', limit: 0, pagination: false })
  return docs as unknown as Product[]
}

// The rebuild waits twice this before its pass (src/indexes/stateFreshness.ts).
useIndexStateMaxAge(300)

describe('rebuildIndexes while another process writes', () => {
  const tableName = `rebuild-under-writers-${randomUUID()}`
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('refuses every taken value, leaves no stale entry and ends exact and clean', async () => {
    // The writer checks unique values through the markers (no collection held in memory), which
    // is what a clearing rebuild would leave open.
    const writer = await bootOnTable(config, tableName, { readCache: false })
    started.push(writer)
    const rebuilder = await bootOnTable(config, tableName)
    started.push(rebuilder)
    for (let i = 0; i < SEEDED; i++) {
      await writer.create({
        collection: 'products',
        data: { price: i % 7, sku: `sku-${i}`, status: STATUSES[i % 3] },
      })
    }
    const db = adapterOf(rebuilder)
    const pk = collectionNamespace(db, 'products').pk
    const seeded = await allProducts(writer)

    // Drift for the rebuild to fix: missing entries, an entry of a value its document lacks, a marker of a value nobody
    // holds, and a value counter that is off.
    const statusEntries = await db.docClient.send(
      new QueryCommand({
        ExpressionAttributeValues: { ':pk': `${pk}#I#status` },
        KeyConditionExpression: 'pk = :pk',
        TableName: db.tableName,
      }),
    )
    for (const item of (statusEntries.Items ?? []).slice(0, 5)) {
      await db.docClient.send(
        new DeleteCommand({ Key: { pk: item.pk, sk: item.sk }, TableName: db.tableName }),
      )
    }
    const [sample] = statusEntries.Items ?? []
    await db.docClient.send(
      new PutCommand({
        Item: { ...sample, sk: String(sample.sk).replace(/^S[a-z]+/, 'Sretired') },
        TableName: db.tableName,
      }),
    )
    await db.docClient.send(
      new PutCommand({
        Item: { id: seeded[0].id, pk: `${pk}#U#sku`, sk: 'Sghost\u0001\u0001' },
        TableName: db.tableName,
      }),
    )
    const counters = await db.docClient.send(
      new QueryCommand({
        ExpressionAttributeValues: { ':pk': `${pk}#K#status` },
        KeyConditionExpression: 'pk = :pk',
        TableName: db.tableName,
      }),
    )
    const [counter] = counters.Items ?? []
    await db.docClient.send(
      new UpdateCommand({
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':n': 3 },
        Key: { pk: counter.pk, sk: counter.sk },
        TableName: db.tableName,
        UpdateExpression: 'ADD #count :n',
      }),
    )
    const before = await db.verifyIndexes({ collection: 'products' })
    expect(before).toMatchObject({
      clean: false,
      missingEntries: 5,
      orphanEntries: 1,
      staleMarkers: 1,
      valueCountersOff: 1,
    })

    let rebuilding = true
    const accepted: string[] = []
    let refused = 0
    const unexpected: string[] = []
    const takeTakenValues = async () => {
      for (let i = 0; rebuilding; i++) {
        const sku = `sku-${(i * 37) % SEEDED}`
        try {
          await writer.create({ collection: 'products', data: { price: 1, sku, status: 'draft' } })
          accepted.push(sku)
        } catch (error) {
          if ((error as Error).name === 'ValidationError') {
            refused++
          } else {
            unexpected.push(String(error))
          }
        }
      }
    }
    let changes = 0
    const changeIndexedFields = async () => {
      for (let i = 0; rebuilding; i++) {
        const product = seeded[(i * 13) % SEEDED]
        await writer.update({
          collection: 'products',
          data: { price: (i * 5) % 11, status: STATUSES[(i + 1) % 3] },
          id: product.id,
        })
        changes++
      }
    }
    let created = 0
    const createAndDelete = async () => {
      for (let i = 0; rebuilding; i++) {
        const doc = await writer.create({
          collection: 'products',
          data: { price: i % 4, sku: `new-${i}`, status: STATUSES[i % 3] },
        })
        created++
        if (i % 2 === 0) {
          await writer.delete({ collection: 'products', id: doc.id })
        }
      }
    }
    const writers = Promise.all([takeTakenValues(), changeIndexedFields(), createAndDelete()])
    const indexed = await db
      .rebuildIndexes({ collection: 'products', pageSize: 25 })
      .finally(() => (rebuilding = false))
    await writers

    expect(unexpected).toEqual([])
    expect(accepted).toEqual([])
    expect(refused).toBeGreaterThan(10)
    expect(changes).toBeGreaterThan(10)
    expect(created).toBeGreaterThan(5)
    expect(indexed).toBeGreaterThanOrEqual(SEEDED)

    const after = await db.verifyIndexes({ collection: 'products' })
    expect(after).toMatchObject({ clean: true, duplicateValues: 0 })
    const products = await allProducts(writer)
    const skus = products.map((product) => product.sku)
    expect(new Set(skus).size).toBe(skus.length)
    for (const payload of [writer, rebuilder]) {
      for (const status of [...STATUSES, 'retired']) {
        const holders = products.filter((product) => product.status === status)
        const where = { status: { equals: status } }
        expect((await payload.count({ collection: 'products', where })).totalDocs).toBe(
          holders.length,
        )
        const found = await payload.find({ collection: 'products', limit: 0, where })
        expect(found.docs.map((doc) => doc.id).sort()).toEqual(
          holders.map((product) => product.id).sort(),
        )
      }
      for (const price of [0, 3, 10]) {
        const where = { price: { equals: price } }
        expect((await payload.count({ collection: 'products', where })).totalDocs).toBe(
          products.filter((product) => product.price === price).length,
        )
      }
    }
    // The counts live in the new epoch's partition; the old one is gone.
    const itemsOf = async (partition: string) =>
      (
        await db.docClient.send(
          new QueryCommand({
            ExpressionAttributeValues: { ':pk': partition },
            KeyConditionExpression: 'pk = :pk',
            TableName: db.tableName,
          }),
        )
      ).Items ?? []
    expect(await itemsOf(`${pk}#K#status`)).toEqual([])
    expect((await itemsOf(`${pk}#K~1#status`)).length).toBeGreaterThan(0)
    // The marker nobody held is gone: the value is free.
    await expect(
      writer.create({ collection: 'products', data: { price: 0, sku: 'ghost', status: 'draft' } }),
    ).resolves.toMatchObject({ sku: 'ghost' })
    const plan = await adapterOf(writer).explain({
      collection: 'products',
      where: { status: { equals: 'draft' } },
    })
    expect(plan.plan.kind).toBe('index')
  })
})
