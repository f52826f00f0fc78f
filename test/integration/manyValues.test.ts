/**
 * Documents with many values in indexed multi-valued fields (a `hasMany` text field, a `hasMany`
 * relationship, which is always indexed). A document has an entry per value in the index, up to
 * a limit (1,000; 40 here, as in versions before 2026-12-05, with a value count each); one with more has an overflow
 * entry instead, and while such a document exists, queries that index would serve read the
 * collection (read/overflowingIndexes.ts): every answer stays db-sqlite's. Before, entries past
 * the 40th value were left out and queries through the index missed the document by them.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'
import { titlesAndCounts } from '../support/compare.js'

import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import { indexEntries } from '../../src/indexes/entries.js'
import { indexesOf } from '../../src/indexes/registry.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { boot, bootOnTable, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'
import { watchSends } from '../support/journalItems.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      { slug: 'people', fields: [{ name: 'name', type: 'text' }] },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'tags', type: 'text', hasMany: true, index: true },
          { name: 'readers', type: 'relationship', hasMany: true, relationTo: 'people' },
        ],
      },
      {
        slug: 'coupons',
        fields: [
          {
            name: 'codes',
            type: 'array',
            fields: [{ name: 'code', type: 'text', unique: true }],
          },
        ],
      },
    ],
    db,
    secret: 'many-values',
    telemetry: false,
  }
}

const values = (count: number, prefix = 't') =>
  Array.from({ length: count }, (_, n) => `${prefix}${n}`)

async function createPeople(payload: Payload, count: number): Promise<(number | string)[]> {
  const ids: (number | string)[] = []
  for (let n = 0; n < count; n++) {
    ids.push((await payload.create({ collection: 'people', data: { name: `p${n}` } })).id)
  }
  return ids
}

describe('documents with many values in indexed fields', () => {
  let dynamo: Booted
  let sqlite: Booted

  let previousLimit: string | undefined

  beforeAll(async () => {
    // The limit of versions before 2026-12-05 (1,000 now, overflowLimit.test.ts), so that
    // overflow entries are met with small documents.
    previousLimit = process.env.PAYLOAD_DYNAMODB_MAX_ENTRIES
    process.env.PAYLOAD_DYNAMODB_MAX_ENTRIES = '40'
    // Answers through the indexes, not from a collection held in memory.
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
    sqlite = await boot(config, 'sqlite')
  })

  afterAll(async () => {
    await closeAll(dynamo, sqlite)
    if (previousLimit === undefined) {
      delete process.env.PAYLOAD_DYNAMODB_MAX_ENTRIES
    } else {
      process.env.PAYLOAD_DYNAMODB_MAX_ENTRIES = previousLimit
    }
  })

  const adapter = () => dynamo.payload.db as unknown as DynamoDBAdapter

  const tagPlan = async () =>
    (await adapter().explain({ collection: 'posts', where: { tags: { equals: 't1' } } })).plan.kind

  const expectClean = async (collection: string) =>
    expect(await adapter().verifyIndexes({ collection })).toMatchObject({
      clean: true,
      missingEntries: 0,
      orphanEntries: 0,
    })

  it('finds and counts a document by each of its values, 30 or 200, as db-sqlite does', async () => {
    const wheres: Where[] = [
      ...[0, 29, 39, 40, 43, 199].map((n) => ({ tags: { equals: `t${n}` } })),
      { tags: { in: ['t42', 'nothing'] } },
      { and: [{ tags: { equals: 't1' } }, { tags: { equals: 't150' } }] },
      { tags: { exists: true } },
    ]
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.create({ collection: 'posts', data: { tags: values(30), title: 'a30' } })
      await booted.payload.create({ collection: 'posts', data: { tags: ['t1'], title: 'one' } })
    }
    // Up to 40 values: every one an entry, and the index serves the queries.
    expect(await tagPlan()).toBe('index')
    expect(await titlesAndCounts(dynamo, wheres)).toEqual(await titlesAndCounts(sqlite, wheres))

    for (const booted of [dynamo, sqlite]) {
      await booted.payload.create({ collection: 'posts', data: { tags: values(44), title: 'b44' } })
      await booted.payload.create({
        collection: 'posts',
        data: { tags: values(200), title: 'c200' },
      })
    }
    // Before: `t40`, `t43` and `t199` (past the 40th value) found nothing through the index, and
    // the create of 200 values stored 40 entries.
    expect(await tagPlan()).toBe('partition')
    expect(await titlesAndCounts(dynamo, wheres)).toEqual(await titlesAndCounts(sqlite, wheres))
    await expectClean('posts')

    // Once no document has more than 40 values, the index serves again.
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.delete({ collection: 'posts', where: { title: { equals: 'c200' } } })
      await booted.payload.update({
        collection: 'posts',
        data: { tags: values(20) },
        where: { title: { equals: 'b44' } },
      })
    }
    expect(await tagPlan()).toBe('index')
    expect(await titlesAndCounts(dynamo, wheres)).toEqual(await titlesAndCounts(sqlite, wheres))
    await expectClean('posts')
  })

  it('finds a document by the 60th of its related documents, as db-sqlite does', async () => {
    for (const booted of [dynamo, sqlite]) {
      const ids = await createPeople(booted.payload, 60)
      await booted.payload.create({ collection: 'posts', data: { readers: ids, title: 'read' } })
      await booted.payload.create({
        collection: 'posts',
        data: { readers: ids.slice(0, 2), title: 'two' },
      })
      for (const id of [ids[0], ids[1], ids[45], ids[59]]) {
        const { docs } = await booted.payload.find({
          collection: 'posts',
          sort: 'title',
          where: { readers: { equals: id } },
        })
        const { totalDocs } = await booted.payload.count({
          collection: 'posts',
          where: { readers: { in: [id] } },
        })
        expect({ docs: docs.map((doc) => doc.title), totalDocs }).toEqual(
          [ids[0], ids[1]].includes(id)
            ? { docs: ['read', 'two'], totalDocs: 2 }
            : { docs: ['read'], totalDocs: 1 },
        )
      }
    }
    await expectClean('posts')
  })

  it('a query reading the index while a document goes from entries to an overflow entry still finds it', async () => {
    const db = adapter()
    const { id } = await dynamo.payload.create({
      collection: 'posts',
      data: { tags: ['moving', ...values(10, 'm')], title: 'moving' },
    })
    expect(await tagPlan()).toBe('index')
    // The query's read of the `tags` entries goes out just after the document got 60 values:
    // its entries are gone, its overflow entry is there.
    let held = false
    const watch = watchSends(db, async (command) => {
      const input = command.input as { ExpressionAttributeValues?: Record<string, unknown> }
      const pk = JSON.stringify(input?.ExpressionAttributeValues ?? {})
      if (!held && command.constructor.name === 'QueryCommand' && pk.includes('#I#tags')) {
        held = true
        watch.restore()
        await dynamo.payload.update({
          collection: 'posts',
          data: { tags: ['moving', ...values(59, 'm')] },
          id,
        })
      }
    })
    try {
      const { docs } = await dynamo.payload.find({
        collection: 'posts',
        where: { tags: { equals: 'moving' } },
      })
      expect(held).toBe(true)
      // Before (the overflow partition looked at only before the read): no document.
      expect(docs.map((doc) => doc.title)).toEqual(['moving'])
    } finally {
      watch.restore()
    }
    await dynamo.payload.delete({ collection: 'posts', id })
    await expectClean('posts')
  })

  it('two processes writing documents across 40 values at once: every query exact, verifyIndexes clean', async () => {
    const table = `many-values-${randomUUID()}`
    const [first, second] = await Promise.all([
      bootOnTable(config, table, THROUGH_INDEXES),
      bootOnTable(config, table, THROUGH_INDEXES),
    ])
    try {
      const ids: (number | string)[] = []
      for (let n = 0; n < 4; n++) {
        const data = { tags: ['shared', ...values(30, `d${n}-`)], title: `d${n}` }
        ids.push((await first.create({ collection: 'posts', data })).id)
      }
      // 24 updates through both processes at once, each document going from 30 to 50 values
      // and back (entries to an overflow entry and back), with creates and deletes beside them.
      await Promise.all([
        ...Array.from({ length: 24 }, (_, n) =>
          (n % 2 ? first : second).update({
            collection: 'posts',
            data: { tags: ['shared', `round${n}`, ...values(n % 3 ? 49 : 29, `d${n % 4}-`)] },
            id: ids[n % 4]!,
          }),
        ),
        ...Array.from({ length: 4 }, (_, n) =>
          (n % 2 ? second : first).create({
            collection: 'posts',
            data: { tags: ['shared', ...values(n % 2 ? 45 : 10, `new${n}-`)], title: `new${n}` },
          }),
        ),
        second.delete({ collection: 'posts', id: ids[3]! }),
      ])
      const { docs } = await first.find({ collection: 'posts', depth: 0, pagination: false })
      const expected = (tag: string) =>
        docs.filter((doc) => (doc.tags as string[]).includes(tag)).length
      for (const tag of ['shared', 'd0-10', 'd1-40', 'd2-0', 'd3-5', 'new1-44', 'round23']) {
        for (const payload of [first, second]) {
          const where = { tags: { equals: tag } }
          expect({
            tag,
            total: (await payload.count({ collection: 'posts', where })).totalDocs,
          }).toEqual({
            tag,
            total: expected(tag),
          })
          const found = await payload.find({ collection: 'posts', depth: 0, limit: 0, where })
          expect(found.docs.map((doc) => doc.id).sort()).toEqual(
            docs
              .filter((doc) => (doc.tags as string[]).includes(tag))
              .map((doc) => doc.id)
              .sort(),
          )
        }
      }
      expect(expected('shared')).toBe(7)
      expect(
        await (first.db as unknown as DynamoDBAdapter).verifyIndexes({ collection: 'posts' }),
      ).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
    } finally {
      await first.destroy()
      await second.destroy()
    }
  })

  it('repairIndexes gives a document stored with its first 40 entries (by earlier versions) its overflow entry', async () => {
    const created = await dynamo.payload.create({
      collection: 'posts',
      data: { tags: values(45, 'old'), title: 'legacy' },
    })
    const db = adapter()
    const namespace = collectionNamespace(db, 'posts')
    const definitions = indexesOf(db, namespace).filter((each) => each.name === 'tags')
    // What earlier versions stored: the entries of the first 40 values, no overflow entry.
    const [overflow] = indexEntries(namespace, definitions, [], created)
    await db.docClient.send(
      new DeleteCommand({ Key: { pk: overflow!.pk, sk: overflow!.sk }, TableName: db.tableName }),
    )
    const firstForty = indexEntries(namespace, definitions, [], {
      ...created,
      tags: values(40, 'old'),
    })
    for (const entry of firstForty) {
      await db.docClient.send(new PutCommand({ Item: entry, TableName: db.tableName }))
    }
    expect((await db.verifyIndexes({ collection: 'posts' })).clean).toBe(false)
    await db.repairIndexes({ collection: 'posts' })
    await expectClean('posts')
    expect(await tagPlan()).toBe('partition')
    expect(
      (await dynamo.payload.count({ collection: 'posts', where: { tags: { equals: 'old44' } } }))
        .totalDocs,
    ).toBe(1)
    await dynamo.payload.delete({ collection: 'posts', id: created.id })
    await expectClean('posts')
  })

  it('stores a document whose unique values do not fit one transaction, each value taken (before: a 400)', async () => {
    const rows = (count: number, prefix: string) => values(count, prefix).map((code) => ({ code }))
    await dynamo.payload.create({ collection: 'coupons', data: { codes: rows(30, 'c') } })
    // 150 markers: taken ahead of the document, in requests of their own (write/splitGroup.ts).
    const many = await dynamo.payload.create({
      collection: 'coupons',
      data: { codes: rows(150, 'x') },
    })
    expect((await dynamo.payload.count({ collection: 'coupons' })).totalDocs).toBe(2)
    const refusal = (codes: { code: string }[]) =>
      dynamo.payload.create({ collection: 'coupons', data: { codes } }).then(
        () => undefined,
        (failure: unknown) => (failure as { name: string }).name,
      )
    // The values of both stored documents are theirs: the first, the last, one of the old.
    expect(await refusal([{ code: 'x0' }])).toBe('ValidationError')
    expect(await refusal([{ code: 'x149' }])).toBe('ValidationError')
    expect(await refusal([{ code: 'c29' }])).toBe('ValidationError')
    const byCode = await dynamo.payload.find({
      collection: 'coupons',
      where: { 'codes.code': { equals: 'x149' } },
    })
    expect(byCode.docs.map((doc) => doc.id)).toEqual([many.id])
    await expectClean('coupons')
    // Let go of (the document deleted), every value can be taken again.
    await dynamo.payload.delete({ collection: 'coupons', id: many.id })
    expect(await refusal([{ code: 'x149' }])).toBeUndefined()
    await expectClean('coupons')
  })
})
