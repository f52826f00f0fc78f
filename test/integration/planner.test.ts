/**
 * The planner's fast paths must give exactly the reference evaluator's answers, and must be the
 * paths actually taken for indexed queries.
 */
import type { Config, DatabaseAdapterObj, Payload, Sort, Where } from 'payload'

import fc from 'fast-check'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Doc } from '../../src/query/types.js'
import type { Booted } from '../support/bootPayload.js'

import { createLookup } from '../../src/read/lookup.js'
import { paginate } from '../../src/read/paginate.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { compileWhere } from '../../src/query/compileWhere.js'
import { buildComparator } from '../../src/query/compileSort.js'
import { THROUGH_INDEXES, boot } from '../support/bootPayload.js'

const GROUPS = ['red', 'green', 'blue', 'Red']
const NAMES = ['ant', 'bee', 'cat', 'Cat', 'dog', 'ému', '']

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'name', type: 'text', index: true },
          { name: 'score', type: 'number', index: true },
          { name: 'group', type: 'select', index: true, options: GROUPS },
          { name: 'when', type: 'date', index: true },
          { name: 'labels', type: 'select', hasMany: true, index: true, options: ['a', 'b', 'c'] },
          { name: 'note', type: 'text' },
          { name: 'flag', type: 'checkbox', index: true },
        ],
      },
    ],
    db,
    secret: 'planner-test-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

const docArb = fc.record(
  {
    flag: fc.boolean(),
    group: fc.constantFrom(...GROUPS),
    labels: fc.subarray(['a', 'b', 'c']),
    name: fc.constantFrom(...NAMES),
    note: fc.constantFrom('x', 'y', 'z'),
    score: fc.oneof(
      fc.integer({ max: 50, min: -50 }),
      fc.double({ max: 100, min: -100, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-9),
    ),
    when: fc
      .date({ max: new Date('2030-01-01'), min: new Date('2000-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString()),
  },
  { requiredKeys: [] },
)

const conditionArb: fc.Arbitrary<Where> = fc.oneof(
  fc.record({ name: fc.record({ equals: fc.constantFrom(...NAMES) }) }),
  fc.record({ name: fc.record({ greater_than_equal: fc.constantFrom(...NAMES) }) }),
  fc.record({ group: fc.record({ in: fc.subarray(GROUPS, { minLength: 1 }) }) }),
  fc.record({ group: fc.record({ equals: fc.constantFrom(...GROUPS) }) }),
  fc.record({ score: fc.record({ greater_than: fc.integer({ max: 60, min: -60 }) }) }),
  fc.record({ score: fc.record({ less_than_equal: fc.integer({ max: 60, min: -60 }) }) }),
  fc.record({ score: fc.record({ equals: fc.integer({ max: 5, min: -5 }) }) }),
  fc.record({
    when: fc.record({ less_than: fc.constantFrom('2010-01-01', '2020-06-01T00:00:00.000Z') }),
  }),
  fc.record({ labels: fc.record({ equals: fc.constantFrom('a', 'b', 'c') }) }),
  fc.record({ labels: fc.record({ in: fc.subarray(['a', 'b', 'c'], { minLength: 1 }) }) }),
  fc.record({ flag: fc.record({ equals: fc.boolean() }) }),
  fc.record({ note: fc.record({ equals: fc.constantFrom('x', 'y') }) }),
  fc.record({ score: fc.record({ exists: fc.boolean() }) }),
)

const whereArb: fc.Arbitrary<Where | undefined> = fc.oneof(
  fc.constant(undefined),
  conditionArb,
  fc.array(conditionArb, { maxLength: 3, minLength: 2 }).map((and) => ({ and })),
  fc.array(conditionArb, { maxLength: 3, minLength: 2 }).map((or) => ({ or })),
)

const sortArb: fc.Arbitrary<Sort | undefined> = fc.constantFrom(
  undefined,
  'name',
  '-name',
  'score',
  '-score',
  'when',
  '-when',
  'group',
  '-createdAt',
  'createdAt',
  ['group', '-score'],
  'note',
)

describe('planner agrees with the reference evaluator', () => {
  let booted: Booted
  let payload: Payload
  let adapter: DynamoDBAdapter
  let allDocs: Doc[]

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb', THROUGH_INDEXES)
    payload = booted.payload
    adapter = payload.db as unknown as DynamoDBAdapter
    for (const data of fc.sample(docArb, { numRuns: 70, seed: 7 })) {
      await payload.create({ collection: 'items', data })
    }
    allDocs = []
    for await (const page of adapter.iterateDocuments({ collection: 'items' })) {
      allDocs.push(...page.docs)
    }
  })

  afterAll(async () => {
    await booted?.close()
  })

  /** The reference answer: filter and order every document in memory, then cut the page. */
  async function reference(
    where: Where | undefined,
    sort: Sort | undefined,
    limit: number,
    page: number,
  ) {
    const scope = {
      fields: collectionNamespace(adapter, 'items').fields,
      lookup: createLookup(adapter),
      payload,
    }
    const compiled = await compileWhere(scope, where)
    const matches = allDocs.filter(compiled.matches)
    matches.sort(await buildComparator(scope, sort, { timestamps: true }, matches))
    return paginate(matches, { limit, page })
  }

  it('finds the same pages for random where / sort / limit / page', async () => {
    expect(allDocs).toHaveLength(70)
    await fc.assert(
      fc.asyncProperty(
        whereArb,
        sortArb,
        fc.integer({ max: 12, min: 0 }),
        fc.integer({ max: 4, min: 1 }),
        async (where, sort, limit, page) => {
          const expected = await reference(where, sort, limit, page)
          const actual = await payload.find({
            collection: 'items',
            depth: 0,
            limit,
            page,
            sort,
            where,
          })
          expect(actual.docs.map((doc) => doc.id)).toEqual(expected.docs.map((doc) => doc.id))
          expect(actual.totalDocs).toBe(expected.totalDocs)
          expect(actual.hasNextPage).toBe(expected.hasNextPage)
          const counted = await payload.count({ collection: 'items', where })
          expect(counted.totalDocs).toBe(limit > 0 ? expected.totalDocs : expected.docs.length)
        },
      ),
      { numRuns: 120, seed: 20261125 },
    )
  })

  it('serves indexed queries from indexes, and says when it cannot', async () => {
    const page = await adapter.explain({ collection: 'items', limit: 10, sort: '-createdAt' })
    expect(page.plan.kind).toBe('index')
    expect(page.plan).toMatchObject({ exactCount: true, ordered: true })
    expect(page.returned).toBe(10)
    expect(page.totalDocs).toBe(70)

    const equality = await adapter.explain({
      collection: 'items',
      where: { group: { equals: 'red' } },
    })
    expect(equality.description).toMatch(/index group/)

    const range = await adapter.explain({
      collection: 'items',
      sort: 'score',
      where: { score: { greater_than: 10 } },
    })
    expect(range.plan).toMatchObject({ kind: 'index', ordered: true })

    const byID = await adapter.explain({
      collection: 'items',
      where: { id: { equals: allDocs[0].id } },
    })
    expect(byID.plan.kind).toBe('byID')
    expect(byID.requests).toBe(1)

    const fallback = await adapter.explain({
      collection: 'items',
      where: { note: { equals: 'x' } },
    })
    expect(fallback.plan).toMatchObject({ kind: 'partition', suggestedIndex: 'note' })
  })

  it('reads about one page of documents for an indexed list page', async () => {
    const page = await adapter.explain({ collection: 'items', limit: 5, sort: '-when' })
    expect(page.plan.kind).toBe('index')
    // One index query, one batch of documents, one counter read.
    expect(page.requests).toBeLessThanOrEqual(3)
    // Small index entries (1 RCU), 5 documents read by key (1 RCU each), the counter (1 RCU):
    // what the page costs, whatever the collection's size.
    expect(page.rcu).toBeLessThanOrEqual(7)

    // A filtered list in the default order: ordered from the index entries, only the page fetched.
    const filtered = await adapter.explain({
      collection: 'items',
      limit: 3,
      where: { group: { equals: 'red' } },
    })
    const reds = allDocs.filter((doc) => doc.group === 'red').length
    expect(filtered.totalDocs).toBe(reds)
    expect(filtered.returned).toBe(Math.min(3, reds))
    // One query for the page's entries (newest first, one more than the page), one for the total.
    expect(filtered.requestsByCommand).toEqual({ BatchGet: 1, Query: 2 })
    expect(filtered.itemsRead).toBeLessThanOrEqual(3 + 1 + 3 + 8)

    const fullRead = await adapter.explain({
      collection: 'items',
      limit: 5,
      where: { note: { exists: true } },
    })
    expect(fullRead.plan.kind).toBe('partition')
  })

  it('walks the collection with iterateDocuments page by page, and refuses a cursor not its own', async () => {
    const ids: unknown[] = []
    let cursor: string | undefined
    do {
      const walk = adapter.iterateDocuments({ collection: 'items', cursor, pageSize: 16 })
      const { value } = await walk.next()
      await walk.return(undefined)
      const page = value as { cursor?: string; docs: Doc[] }
      ids.push(...page.docs.map((doc) => doc.id))
      cursor = page.cursor
    } while (cursor)
    expect(ids).toHaveLength(70)
    expect(new Set(ids)).toEqual(new Set(allDocs.map((doc) => doc.id)))

    const foreign = Buffer.from(JSON.stringify({ pk: 'C#other', sk: 'D#x' })).toString('base64url')
    const own = (sk: string) =>
      Buffer.from(JSON.stringify({ pk: collectionNamespace(adapter, 'items').pk, sk })).toString(
        'base64url',
      )
    for (const bad of [
      'oops',
      foreign,
      Buffer.from('[1]').toString('base64url'),
      own(''),
      own('M#indexes'),
      own(`D#${'x'.repeat(1100)}`),
    ]) {
      const walk = adapter.iterateDocuments({ collection: 'items', cursor: bad })
      // Before: a raw SyntaxError, or the engine's ValidationException.
      await expect(walk.next()).rejects.toMatchObject({
        message: expect.stringContaining('Invalid cursor for the collection "items"'),
        status: 400,
      })
    }
  })
})
