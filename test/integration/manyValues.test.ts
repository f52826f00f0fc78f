/**
 * Documents with many values in indexed multi-valued fields (a `hasMany` text field, a `hasMany`
 * relationship, which is always indexed): every value is an index entry and a value count,
 * written in the document's own transaction. A document whose values fit is found by each of
 * them, as on db-sqlite; one whose values do not fit one transaction is refused with a clear
 * error and nothing written. Before, entries past the 40th value of a field were left out, and
 * queries through the index did not find the document by them.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

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
    ],
    db,
    secret: 'many-values',
    telemetry: false,
  }
}

const tags = (count: number, prefix = 't') =>
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

  beforeAll(async () => {
    // Answers through the indexes, not from a collection held in memory.
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
    sqlite = await boot(config, 'sqlite')
  })

  afterAll(() => closeAll(dynamo, sqlite))

  const answers = async (booted: Booted, wheres: Where[]) => {
    const out: string[] = []
    for (const where of wheres) {
      const found = await booted.payload.find({ collection: 'posts', depth: 0, where })
      const counted = await booted.payload.count({ collection: 'posts', where })
      out.push(`${found.docs.map((doc) => doc.title).join(',')}:${counted.totalDocs}`)
    }
    return out
  }

  it('finds a document by each of 44 values of a hasMany field and 20 of a relationship, as db-sqlite does', async () => {
    const wheres: Where[] = [
      ...[0, 39, 40, 43].map((n) => ({ tags: { equals: `t${n}` } })),
      { tags: { in: ['t42', 'nothing'] } },
      { and: [{ tags: { equals: 't1' } }, { tags: { equals: 't43' } }] },
    ]
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.create({ collection: 'posts', data: { tags: tags(44), title: 'many' } })
      await booted.payload.create({ collection: 'posts', data: { tags: ['t1'], title: 'one' } })
    }
    expect(await answers(dynamo, wheres)).toEqual(await answers(sqlite, wheres))
    // Before: `t40` and `t43` (past the 40th value) found nothing through the index.
    expect(await answers(dynamo, [{ tags: { equals: 't43' } }])).toEqual(['many:1'])

    const readers = {
      dynamo: await createPeople(dynamo.payload, 20),
      sqlite: await createPeople(sqlite.payload, 20),
    }
    for (const [booted, ids] of [
      [dynamo, readers.dynamo],
      [sqlite, readers.sqlite],
    ] as const) {
      await booted.payload.create({ collection: 'posts', data: { readers: ids, title: 'read' } })
      const last = await booted.payload.count({
        collection: 'posts',
        where: { readers: { equals: ids[19] } },
      })
      expect(last.totalDocs).toBe(1)
    }
    const report = await (dynamo.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'posts',
    })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  })

  it('refuses a document whose values do not fit one transaction with a clear error, writing nothing', async () => {
    const before = await dynamo.payload.count({ collection: 'posts' })
    const error = await dynamo.payload
      .create({ collection: 'posts', data: { tags: tags(200, 'x'), title: 'too many' } })
      .then(
        () => undefined,
        (failure: unknown) => failure as { message: string; status: number },
      )
    expect(error?.status).toBe(400)
    expect(error?.message).toMatch(
      /needs \d+ items in one DynamoDB transaction, which holds at most 100/,
    )
    expect(error?.message).toMatch(/tags \(200 entries\)/)
    expect(error?.message).toMatch(/Nothing was written/)
    expect((await dynamo.payload.count({ collection: 'posts' })).totalDocs).toBe(before.totalDocs)
    expect(
      (await dynamo.payload.count({ collection: 'posts', where: { tags: { equals: 'x0' } } }))
        .totalDocs,
    ).toBe(0)
    // An update that would grow a document past it is refused the same way, the stored one kept.
    const { docs } = await dynamo.payload.find({
      collection: 'posts',
      where: { title: { equals: 'one' } },
    })
    const updated = await dynamo.payload
      .update({ collection: 'posts', data: { tags: tags(200, 'y') }, id: docs[0]!.id })
      .then(
        () => undefined,
        (failure: unknown) => failure as { status: number },
      )
    expect(updated?.status).toBe(400)
    const kept = await dynamo.payload.findByID({ collection: 'posts', id: docs[0]!.id })
    expect(kept.tags).toEqual(['t1'])
    const report = await (dynamo.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'posts',
    })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  })
})
