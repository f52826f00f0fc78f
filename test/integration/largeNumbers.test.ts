/**
 * Numbers beyond ±2^53, and beyond DynamoDB's own range (1e-130 to 1e126: a document holding one
 * is stored gzipped, storage/mapStorable.ts), are stored, read, indexed, filtered and sorted as
 * the doubles they are (as db-mongodb and db-postgres keep them; db-sqlite fails to read back an
 * integer beyond 2^53, so the expected answers are computed here), read from memory and through
 * the indexes; NaN and infinities are refused with a clear error and nothing is written.
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, THROUGH_INDEXES } from '../support/bootPayload.js'

// 1e200, -1e300 and 1e-200 are past what DynamoDB holds as a number (before: refused).
const VALUES = [
  2 ** 60,
  -1e30,
  2 ** 53 + 2,
  1e120,
  -(2 ** 55),
  3.5,
  0,
  1e-120,
  -7,
  1e200,
  -1e300,
  1e-200,
]

/** Labels sort as the values are listed. */
const label = (index: number) => `a${String(index).padStart(2, '0')}`

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'amounts',
        fields: [
          { name: 'label', type: 'text' },
          { name: 'plain', type: 'number' },
          { name: 'indexed', type: 'number', index: true },
        ],
      },
    ],
    db,
    secret: 'large-numbers-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

describe.each([
  ['held in memory', {}],
  ['through the indexes', THROUGH_INDEXES],
])('numbers beyond ±2^53 (%s)', (_, options) => {
  let dynamo: Booted

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb', options)
    for (const [i, value] of VALUES.entries()) {
      await dynamo.payload.create({
        collection: 'amounts',
        data: { indexed: value, label: label(i), plain: value },
      })
    }
  })

  afterAll(async () => {
    await dynamo?.close()
  })

  const answer = async (booted: Booted, where: Where, sort: string) => {
    const found = await booted.payload.find({
      collection: 'amounts',
      depth: 0,
      limit: 0,
      pagination: false,
      sort,
      where,
    })
    const counted = await booted.payload.count({ collection: 'amounts', where })
    return {
      docs: found.docs.map((doc) => [doc.label, doc.plain, doc.indexed]),
      total: counted.totalDocs,
    }
  }

  const cases: { expected: (value: number) => boolean; sort: string; where: Where }[] = [
    { expected: () => true, sort: 'indexed', where: {} },
    { expected: () => true, sort: '-plain', where: {} },
    ...['plain', 'indexed'].flatMap((field) => [
      {
        expected: (v: number) => v === 2 ** 60,
        sort: field,
        where: { [field]: { equals: 2 ** 60 } },
      },
      {
        expected: (v: number) => v > 2 ** 53,
        sort: field,
        where: { [field]: { greater_than: 2 ** 53 } },
      },
      {
        expected: (v: number) => v <= -1e20,
        sort: `-${field}`,
        where: { [field]: { less_than_equal: -1e20 } },
      },
      {
        expected: (v: number) => [2 ** 53 + 2, -1e30, 3.5].includes(v),
        sort: field,
        where: { [field]: { in: [2 ** 53 + 2, -1e30, 3.5] } },
      },
      {
        expected: (v: number) => v !== 1e120,
        sort: field,
        where: { [field]: { not_equals: 1e120 } },
      },
    ]),
  ]

  it.each(cases)(
    '$where sorted by $sort: the doubles compared',
    async ({ expected, sort, where }) => {
      const descending = sort.startsWith('-')
      const values = VALUES.filter(expected).sort((a, b) => (descending ? b - a : a - b))
      const rows = values.map((value) => [label(VALUES.indexOf(value)), value, value])
      expect(await answer(dynamo, where, sort)).toEqual({ docs: rows, total: rows.length })
    },
  )

  it('reads back the same doubles', async () => {
    const { docs } = await dynamo.payload.find({
      collection: 'amounts',
      depth: 0,
      limit: 0,
      pagination: false,
      sort: 'label',
    })
    expect(docs.map((doc) => doc.plain)).toEqual(VALUES)
  })

  it('refuses NaN and infinities, writing nothing', async () => {
    const before = (await dynamo.payload.count({ collection: 'amounts' })).totalDocs
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const failed = await dynamo.payload.db
        .create({
          collection: 'amounts',
          data: { indexed: 1, label: 'not a number', plain: value },
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        )
      // A ValidationError on the field (an APIError without a path before 2026-12-08).
      expect(failed).toBeInstanceOf(ValidationError)
      expect((failed as ValidationError).status).toBe(400)
      const [error] = (failed as ValidationError).data.errors
      expect(error.path).toBe('plain')
      expect(error.message).toMatch(/must be finite/)
    }
    expect((await dynamo.payload.count({ collection: 'amounts' })).totalDocs).toBe(before)
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    expect(await adapter.verifyIndexes({ collection: 'amounts' })).toMatchObject({ clean: true })
  })
})
