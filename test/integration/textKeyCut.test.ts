/**
 * Indexed texts longer than an index key keeps (100 UTF-16 units alone, 80 in a two-field
 * index) whose cut falls inside a surrogate pair (an emoji). DynamoDB takes strings as UTF-8 and
 * a lone surrogate has no UTF-8 form, so no request may carry one: not an entry's key, not a
 * query's bound. Answers (filters on the cut values, sorts) are db-sqlite's.
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, bootBoth, closeAll } from '../support/bootPayload.js'
import { watchSends } from '../support/journalItems.js'
import { LONE_SURROGATE, loneSurrogatePaths } from '../support/loneSurrogates.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'notes',
        fields: [
          { name: 'title', type: 'text', index: true },
          { name: 'rank', type: 'number' },
        ],
        indexes: [{ fields: ['title', 'rank'] }],
      },
    ],
    db,
    secret: 'text-key-cut-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

const EMOJI = '\u{1f600}'
/** The 100th unit is an emoji's first half: a cut at 100 units splits it. */
const ALONE = 'a'.repeat(99)
/** The 80th unit is an emoji's first half: the two-field index's cut splits it. */
const PAIRED = 'b'.repeat(79)

const TITLES = [
  `${ALONE}${EMOJI}1`,
  `${ALONE}${EMOJI}2`,
  `${ALONE}${EMOJI}`,
  `${ALONE}\uffee`,
  `${ALONE}z`,
  `${ALONE}${'\u{1f601}'}0`,
  `${PAIRED}${EMOJI}${'c'.repeat(30)}`,
  `${PAIRED}${EMOJI}${'d'.repeat(30)}`,
  `${PAIRED}\uffee${'d'.repeat(30)}`,
  `${PAIRED}${'\u{1f601}'}`,
  'short',
]

describe('indexed texts cut inside a surrogate pair', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, THROUGH_INDEXES)
  })

  afterAll(() => closeAll(dynamo, sqlite))

  it('sends no lone surrogate, and answers filters and sorts as db-sqlite', async () => {
    const malformed: string[] = []
    const watch = watchSends(dynamo.payload.db as unknown as DynamoDBAdapter, async (command) => {
      for (const path of loneSurrogatePaths(command.input)) {
        malformed.push(`${command.constructor.name}${path}`)
      }
    })
    const asked: { sort?: string; where: Where }[] = [
      { sort: 'title', where: {} },
      { sort: '-title', where: {} },
      ...TITLES.flatMap((title): { sort?: string; where: Where }[] => [
        { where: { title: { equals: title } } },
        { sort: 'title', where: { title: { greater_than: title } } },
        { sort: '-title', where: { title: { less_than_equal: title } } },
        { where: { and: [{ title: { equals: title } }, { rank: { greater_than: 0 } }] } },
      ]),
      { where: { title: { in: TITLES.slice(0, 4) } } },
      { sort: 'title', where: { title: { greater_than: `${ALONE}${EMOJI}` } } },
      { sort: 'title', where: { title: { less_than: `${PAIRED}${EMOJI}` } } },
    ]
    const answers = async ({ payload }: Booted) => {
      for (const [rank, title] of TITLES.entries()) {
        await payload.create({ collection: 'notes', data: { rank, title } })
      }
      // An update moves entries (the old ones are found from the stored document's values).
      const first = await payload.find({ collection: 'notes', where: { rank: { equals: 0 } } })
      await payload.update({
        id: first.docs[0]!.id,
        collection: 'notes',
        data: { title: `${ALONE}${EMOJI}9` },
      })
      const results = []
      for (const { sort, where } of asked) {
        const found = await payload.find({ collection: 'notes', limit: 0, sort, where })
        const titles = found.docs.map((doc) => doc.title as string)
        results.push({
          count: (await payload.count({ collection: 'notes', where })).totalDocs,
          titles: sort ? titles : titles.sort(),
        })
      }
      return results
    }
    try {
      const [got, expected] = [await answers(dynamo), await answers(sqlite)]
      expect(got).toEqual(expected)
      expect(expected[0]!.titles).toHaveLength(TITLES.length)
    } finally {
      watch.restore()
    }
    expect(malformed).toEqual([])
  })

  it('reports and repairs an entry written before the cut kept the pair whole', async () => {
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const title = `${ALONE}${EMOJI}old`
    const { id } = await dynamo.payload.create({ collection: 'notes', data: { rank: 50, title } })
    const { Items = [] } = await adapter.docClient.send(
      new QueryCommand({
        ConsistentRead: true,
        ExpressionAttributeValues: { ':id': id, ':pk': 'C#notes#I#title' },
        FilterExpression: 'id = :id',
        KeyConditionExpression: 'pk = :pk',
        TableName: adapter.tableName,
      }),
    )
    expect(Items).toHaveLength(1)
    const entry = Items[0]!
    // The shape an earlier version wrote: the key cut at 100 units, half of the emoji kept.
    const cutAt = 1 + ALONE.length + 1
    const old = {
      ...entry,
      sk: `${(entry.sk as string).slice(0, cutAt)}${(entry.sk as string).slice(cutAt + 1)}`,
    }
    expect(LONE_SURROGATE.test(old.sk)).toBe(true)
    await adapter.docClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { Key: { pk: entry.pk, sk: entry.sk }, TableName: adapter.tableName } },
          { Put: { Item: old, TableName: adapter.tableName } },
        ],
      }),
    )
    const report = await adapter.verifyIndexes({ collection: 'notes' })
    expect(report.clean).toBe(false)
    await adapter.repairIndexes({ collection: 'notes' })
    expect((await adapter.verifyIndexes({ collection: 'notes' })).clean).toBe(true)
    const found = await dynamo.payload.find({
      collection: 'notes',
      where: { title: { greater_than_equal: title } },
    })
    expect(found.docs.map((doc) => doc.title)).toContain(title)
  })
})
