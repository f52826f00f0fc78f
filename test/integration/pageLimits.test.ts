/**
 * Every Query the adapter sends for a partition or a key range asks for a bounded page. DynamoDB
 * stops a page at 1 MB anyway, but DynamoDB Local, asked without a `Limit`, takes time for every
 * page in proportion to what is left of the partition, so reading N documents cost it O(N²)
 * (docs/benchmarks.md: `findDistinct` over 50,000 documents, 12.7 s before, 2.2 s after).
 */
import type { Config, DatabaseAdapterObj } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { PARTITION_PAGE_ITEMS, RANGE_PAGE_ITEMS } from '../../src/storage/pageLimits.js'
import { THROUGH_INDEXES, boot, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'views', type: 'number', index: true },
          // Not indexed: a query on it reads the partition.
          { name: 'rating', type: 'number' },
        ],
      },
    ],
    db,
    secret: 'page-limits-test',
    telemetry: false,
  }
}

type SentQuery = { Limit?: number; KeyConditionExpression?: string; Select?: string }

describe('partition and range reads ask for bounded pages', () => {
  let dynamo: Booted
  const queries: SentQuery[] = []

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
    for (let i = 0; i < 30; i++) {
      await dynamo.payload.create({
        collection: 'posts',
        data: { rating: i % 5, title: `Post ${i}`, views: i * 10 },
      })
    }
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    adapter.docClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') {
          queries.push(args.input as SentQuery)
        }
        return next(args)
      },
      { name: 'recordQueries', step: 'initialize' },
    )
  })

  afterAll(async () => {
    await closeAll(dynamo)
  })

  it.each([
    {
      name: 'a query no index serves (the fallback), its page and its total',
      run: (payload: Booted['payload']) =>
        payload.find({ collection: 'posts', limit: 5, where: { rating: { equals: 3 } } }),
      reads: 'partition',
    },
    {
      name: 'findDistinct over every document',
      run: (payload: Booted['payload']) =>
        payload.findDistinct({ collection: 'posts', field: 'rating', sort: 'rating' }),
      reads: 'partition',
    },
    {
      name: "a range's total, counted on its index entries",
      run: (payload: Booted['payload']) =>
        payload.count({ collection: 'posts', where: { views: { greater_than: 40 } } }),
      reads: 'range',
    },
  ])('$name', async ({ run, reads }) => {
    queries.length = 0
    const answer = await run(dynamo.payload)
    expect(answer).toBeTruthy()
    const partitionReads = queries.filter((query) =>
      query.KeyConditionExpression?.includes('begins_with'),
    )
    const rangeReads = queries.filter((query) => query.KeyConditionExpression?.includes('BETWEEN'))
    expect((reads === 'partition' ? partitionReads : rangeReads).length).toBeGreaterThan(0)
    for (const query of partitionReads) {
      expect(query.Limit).toBeGreaterThan(0)
      expect(query.Limit).toBeLessThanOrEqual(PARTITION_PAGE_ITEMS)
    }
    for (const query of rangeReads) {
      expect(query.Limit).toBeGreaterThan(0)
      expect(query.Limit).toBeLessThanOrEqual(RANGE_PAGE_ITEMS)
    }
  })

  it('answers as before: the counts and values are those of the documents written', async () => {
    const { payload } = dynamo
    expect(
      (await payload.count({ collection: 'posts', where: { rating: { equals: 3 } } })).totalDocs,
    ).toBe(6)
    expect(
      (await payload.count({ collection: 'posts', where: { views: { greater_than: 40 } } }))
        .totalDocs,
    ).toBe(25)
    const distinct = await payload.findDistinct({
      collection: 'posts',
      field: 'rating',
      sort: 'rating',
    })
    expect(distinct.values.map((value) => value.rating)).toEqual([0, 1, 2, 3, 4])
  })
})
