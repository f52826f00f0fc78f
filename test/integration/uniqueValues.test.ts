/**
 * What `unique: true` refuses, field by field, against db-sqlite (its transactions on, so a
 * refused write leaves nothing there either): fields in arrays, groups and blocks, compound
 * indexes, localized fields, empty texts and missing values. And the upgrade of a unique text
 * index built when empty texts held no markers.
 */
import type { CollectionConfig, Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'
import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { type Booted, bootBoth, bootOnTable, closeAll } from '../support/bootPayload.js'
import { watchSends } from '../support/journalItems.js'

const things: CollectionConfig = {
  slug: 'things',
  fields: [
    { name: 'code', type: 'text', unique: true },
    { name: 'rows', type: 'array', fields: [{ name: 'sku', type: 'text', unique: true }] },
    { name: 'meta', type: 'group', fields: [{ name: 'ref', type: 'text', unique: true }] },
    { name: 'loc', type: 'text', localized: true, unique: true },
    { name: 'a', type: 'text' },
    { name: 'b', type: 'number' },
    {
      name: 'layout',
      type: 'blocks',
      blocks: [
        { slug: 'hero', fields: [{ name: 'bid', type: 'text', unique: true }] },
        // The same name in another block type is another unique index (another SQL table).
        { slug: 'quote', fields: [{ name: 'bid', type: 'text', unique: true }] },
      ],
    },
  ],
  indexes: [{ fields: ['a', 'b'], unique: true }],
}

const makeConfig = (db: DatabaseAdapterObj): Config => ({
  collections: [{ ...things }],
  db,
  localization: { defaultLocale: 'en', locales: ['en', 'de'] },
  secret: 'unique-values-secret',
  telemetry: false,
})

type Data = Record<string, unknown>
type Step = { data: Data; locale?: string; name: string; update?: string }

const steps: Step[] = [
  {
    data: {
      a: 'A',
      b: 1,
      code: 'x1',
      layout: [{ bid: 'b1', blockType: 'hero' }],
      loc: 'l1',
      meta: { ref: 'r1' },
      rows: [{ sku: 's1' }, { sku: 's2' }],
    },
    name: 'first',
  },
  { data: { code: 'x2', rows: [{ sku: 's9' }, { sku: 's9' }] }, name: 'one value in two rows' },
  { data: { code: 'x3', rows: [{ sku: 's1' }] }, name: "another document's row value" },
  { data: { code: 'x4', meta: { ref: 'r1' } }, name: 'a group field' },
  { data: { code: 'x5', layout: [{ bid: 'b1', blockType: 'hero' }] }, name: 'a block field' },
  {
    data: { code: 'x6', layout: [{ bid: 'b1', blockType: 'quote' }] },
    name: "the same value in another block type's field",
  },
  {
    data: {
      code: 'x7',
      layout: [
        { bid: 'b7', blockType: 'hero' },
        { bid: 'b7', blockType: 'hero' },
      ],
    },
    name: 'one block value in two rows',
  },
  { data: { a: 'A', b: 1, code: 'x8' }, name: 'a compound index' },
  { data: { a: 'A', b: 2, code: 'x9' }, name: 'a compound index, another value' },
  { data: { code: 'x10', loc: 'l1' }, name: 'a localized value taken in its locale' },
  { data: { code: 'x11', loc: 'l1' }, locale: 'de', name: 'the same value in another locale' },
  { data: { rows: [{ sku: 's2' }, { sku: 's1' }] }, name: 'row values moved', update: 'x1' },
  { data: { layout: [{ bid: 'b2', blockType: 'hero' }] }, name: 'block value moved', update: 'x1' },
  { data: { code: 'x5', layout: [{ bid: 'b1', blockType: 'hero' }] }, name: 'a freed block value' },
  { data: { code: 'X1' }, name: 'another case' },
  { data: {}, name: 'no value' },
  { data: {}, name: 'no value again' },
  { data: { code: '' }, name: 'an empty text' },
  { data: { code: '' }, name: 'an empty text again' },
  { data: { a: 'Z', code: 'n1' }, name: 'a compound index with a missing part' },
  { data: { a: 'Z', code: 'n2' }, name: 'a compound index with a missing part again' },
]

async function play(payload: Payload): Promise<string[]> {
  const outcomes: string[] = []
  for (const step of steps) {
    try {
      if (step.update) {
        await payload.update({
          collection: 'things',
          data: step.data,
          where: { code: { equals: step.update } },
        })
      } else {
        await payload.create({ collection: 'things', data: step.data, locale: step.locale })
      }
      outcomes.push(`${step.name}: stored`)
    } catch (error) {
      outcomes.push(`${step.name}: ${error instanceof ValidationError ? 'refused' : String(error)}`)
    }
  }
  const { docs } = await payload.find({ collection: 'things', limit: 100, sort: 'createdAt' })
  outcomes.push(
    `stored: ${docs
      .map((doc) => {
        const skus = (doc.rows as Data[] | undefined)?.map((row) => row.sku)
        const bids = (doc.layout as Data[] | undefined)?.map((block) => block.bid)
        // db-sqlite answers a missing text null, this adapter leaves it out (as db-mongodb).
        return `${String(doc.code ?? null)} ${JSON.stringify([skus, bids])}`
      })
      .join(' | ')}`,
  )
  return outcomes
}

describe('unique values', () => {
  let dynamo: Booted | undefined
  let sqlite: Booted | undefined

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(makeConfig, {}, { transactions: true })
  })

  afterAll(async () => {
    await closeAll(dynamo, sqlite)
  })

  it('refuse what db-sqlite refuses: rows, groups, blocks, compound, localized, empty texts', async () => {
    const expected = await play(sqlite!.payload)
    const outcomes = await play(dynamo!.payload)
    expect(outcomes).toEqual(expected)
    // What the comparison rests on (db-sqlite refusing these is not this test's to assume).
    expect(outcomes).toContain('one value in two rows: refused')
    expect(outcomes).toContain('a block field: refused')
    expect(outcomes).toContain('an empty text again: refused')
    expect(outcomes).toContain('no value again: stored')
    const report = await (dynamo!.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'things',
    })
    expect(report.clean).toBe(true)
  })

  it('a bulk update giving several documents one unique value: one stores it, the others are refused each', async () => {
    const bulk = async (payload: Payload) => {
      for (const code of ['bulk-1', 'bulk-2', 'bulk-3']) {
        await payload.create({ collection: 'things', data: { code } })
      }
      // Payload updates the documents in parallel in one transaction.
      const result = await payload.update({
        collection: 'things',
        data: { code: 'bulk-shared' },
        where: { code: { like: 'bulk-' } },
      })
      const { docs } = await payload.find({
        collection: 'things',
        where: { code: { like: 'bulk-' } },
      })
      // Which document wins depends on the order the parallel updates reach the database.
      return {
        kept: docs.filter((doc) => doc.code !== 'bulk-shared').length,
        shared: docs.filter((doc) => doc.code === 'bulk-shared').length,
        errors: result.errors.map((error) => error.message),
        updated: result.docs.length,
      }
    }
    const expected = await bulk(sqlite!.payload)
    expect(expected.updated).toBe(1)
    expect(await bulk(dynamo!.payload)).toEqual({
      ...expected,
      // db-sqlite names the column; the message is Payload's either way.
      errors: expected.errors.map(() => expect.stringMatching(/invalid: code/)),
    })
    const report = await (dynamo!.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'things',
    })
    expect(report.clean).toBe(true)
  })

  it('db.updateMany giving several documents one new unique value: refused whole, with a ValidationError', async () => {
    const shared = async (payload: Payload) => {
      for (const code of ['many-1', 'many-2']) {
        await payload.create({ collection: 'things', data: { code } })
      }
      const where = { code: { like: 'many-' } }
      const refused = await payload.db
        .updateMany({ collection: 'things', data: { code: 'many-shared' }, where })
        .then(
          () => 'stored',
          (error: unknown) => (error instanceof ValidationError ? 'refused' : String(error)),
        )
      const { docs } = await payload.find({ collection: 'things', sort: 'code', where })
      return { codes: docs.map((doc) => doc.code), refused }
    }
    expect((await shared(sqlite!.payload)).refused).toBe('refused')
    // DynamoDB refuses a transaction with two actions on one item (the shared value's marker) as
    // invalid, not as a condition that failed (DynamoDB Local lets it through): none is sent.
    const twice: string[] = []
    const watch = watchSends(dynamo!.payload.db as unknown as DynamoDBAdapter, async (command) => {
      const items = (
        command.input as { TransactItems?: Record<string, { Item?: Data; Key?: Data }>[] }
      ).TransactItems
      const keys = (items ?? []).map((action) => {
        const { Item, Key } = Object.values(action)[0]
        const key = Key ?? Item
        return `${String(key?.pk)}|${String(key?.sk)}`
      })
      twice.push(...keys.filter((key, index) => keys.indexOf(key) !== index))
    })
    try {
      // db-sqlite (db.updateMany called outside a transaction) keeps the first row it updated;
      // here nothing is written.
      expect(await shared(dynamo!.payload)).toEqual({
        codes: ['many-1', 'many-2'],
        refused: 'refused',
      })
    } finally {
      watch.restore()
    }
    expect(twice).toEqual([])
  })

  it('refuses with the error db-sqlite gives: the collection, the updated id, the field', async () => {
    const refusal = async (payload: Payload) => {
      const held = await payload.create({ collection: 'things', data: { code: 'err-1' } })
      const other = await payload.create({ collection: 'things', data: { code: 'err-2' } })
      const errors: unknown[] = []
      for (const attempt of [
        () => payload.create({ collection: 'things', data: { code: 'err-1' } }),
        () => payload.update({ id: other.id, collection: 'things', data: { code: 'err-1' } }),
      ]) {
        try {
          await attempt()
          errors.push('stored')
        } catch (error) {
          const { data, message, status } = error as ValidationError
          errors.push({ data, message, status })
        }
      }
      return { errors, held: held.id, other: other.id }
    }
    const expected = await refusal(sqlite!.payload)
    const actual = await refusal(dynamo!.payload)
    // db-sqlite also names its SQL table in each field error.
    const named = ({ errors, other }: Awaited<ReturnType<typeof refusal>>) =>
      JSON.stringify(errors)
        .replaceAll(JSON.stringify(other), '"<other>"')
        .replaceAll(',"tableName":"things"', '')
    expect(named(actual)).toEqual(named(expected))
    expect(actual.errors[1]).toMatchObject({
      data: { id: actual.other, collection: 'things', errors: [{ path: 'code' }] },
      status: 400,
    })
  })
})

describe('unique values under many writers', () => {
  it('two processes race for one empty text, one block value and one row value: one holder each, indexes clean', async () => {
    const tableName = `unique-${randomUUID()}`
    const processes = [
      await bootOnTable(makeConfig, tableName),
      await bootOnTable(makeConfig, tableName),
    ]
    try {
      const [first, second] = processes
      const seeds = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          first.create({ collection: 'things', data: { code: `seed-${index}` } }),
        ),
      )
      // 24 writers at once, half through each process: creates taking an empty code, creates
      // taking one block value, updates of the seeded documents taking one row value.
      const attempts = Array.from({ length: 24 }, (_, index) => {
        const payload = index % 2 === 0 ? first : second
        const kind = index % 3
        if (kind === 0) {
          return payload.create({ collection: 'things', data: { code: '' } })
        }
        if (kind === 1) {
          return payload.create({
            collection: 'things',
            data: { code: `block-${index}`, layout: [{ bid: 'hot', blockType: 'hero' }] },
          })
        }
        return payload.update({
          collection: 'things',
          data: { rows: [{ sku: 'hot-row' }] },
          // Each update its own document: only one of them may hold the value.
          id: seeds[Math.floor(index / 3)].id,
        })
      })
      const settled = await Promise.allSettled(attempts)
      const refusedOtherwise = settled.filter(
        (each) => each.status === 'rejected' && !(each.reason instanceof ValidationError),
      )
      expect(refusedOtherwise).toEqual([])

      for (const payload of processes) {
        const count = async (where: Where) =>
          (await payload.count({ collection: 'things', where })).totalDocs
        expect(await count({ code: { equals: '' } })).toBe(1)
        expect(await count({ 'layout.bid': { equals: 'hot' } })).toBe(1)
        expect(await count({ 'rows.sku': { equals: 'hot-row' } })).toBe(1)
        // Every stored create is counted: the seeds, one empty code, one block value.
        expect(await count({})).toBe(10)
      }
      const stored = settled.filter((each) => each.status === 'fulfilled').length
      expect(stored).toBe(3)
      const report = await (first.db as unknown as DynamoDBAdapter).verifyIndexes({
        collection: 'things',
      })
      expect(report.clean).toBe(true)
    } finally {
      await Promise.all(processes.map((payload) => payload.destroy()))
    }
  })
})

const postsConfig = (db: DatabaseAdapterObj): Config => ({
  collections: [{ slug: 'posts', fields: [{ name: 'code', type: 'text', unique: true }] }],
  db,
  secret: 'unique-values-secret',
  telemetry: false,
})

/**
 * A table as an earlier version left it: documents with the codes given, no marker for an empty
 * text, and the `code` index recorded with the signature of that version. Returns the ids.
 */
async function legacyTable(tableName: string, codes: string[]): Promise<(number | string)[]> {
  // Without the read lease: that version checked unique values against the markers only (this
  // one, holding the collection, would see the first empty text in memory and refuse the second).
  const payload = await bootOnTable(postsConfig, tableName, { readCache: { lease: false } })
  try {
    const adapter = payload.db as unknown as DynamoDBAdapter
    const ids: (number | string)[] = []
    for (const code of codes) {
      const doc = await payload.create({ collection: 'posts', data: { code } })
      ids.push(doc.id)
      if (code !== '') {
        continue
      }
      // Its marker goes, as that version wrote none (and this version would refuse a second one).
      const markers = await adapter.docClient.send(
        new QueryCommand({
          ExpressionAttributeValues: { ':pk': 'C#posts#U#code' },
          KeyConditionExpression: 'pk = :pk',
          TableName: tableName,
        }),
      )
      for (const item of (markers.Items ?? []).filter((marker) => marker.id === doc.id)) {
        await adapter.docClient.send(
          new DeleteCommand({ Key: { pk: item.pk, sk: item.sk }, TableName: tableName }),
        )
      }
    }
    const state = await adapter.docClient.send(
      new QueryCommand({
        ExpressionAttributeValues: { ':pk': 'C#posts', ':sk': 'M#indexes' },
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        TableName: tableName,
      }),
    )
    const signature = JSON.parse(state.Items![0]['idx:code'] as string) as unknown[]
    expect(signature).toHaveLength(4)
    await adapter.docClient.send(
      new UpdateCommand({
        ExpressionAttributeNames: { '#code': 'idx:code' },
        ExpressionAttributeValues: { ':legacy': JSON.stringify(signature.slice(0, 3)) },
        Key: { pk: 'C#posts', sk: 'M#indexes' },
        TableName: tableName,
        UpdateExpression: 'SET #code = :legacy',
      }),
    )
    return ids
  } finally {
    await payload.destroy()
  }
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

describe('a unique text index built when empty texts held no markers', () => {
  it('is built again on start: the empty text gets its marker, and a second one is refused', async () => {
    const tableName = `unique-${randomUUID()}`
    await legacyTable(tableName, ['', 'x'])
    // A process of this version starts (development: indexes are built on start).
    const payload = await bootOnTable(postsConfig, tableName)
    try {
      expect((await adapterOf(payload).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
      await expect(
        payload.create({ collection: 'posts', data: { code: '' } }),
      ).rejects.toBeInstanceOf(ValidationError)
      expect((await payload.count({ collection: 'posts' })).totalDocs).toBe(2)
    } finally {
      await payload.destroy()
    }
  })

  it('whose documents share an empty text: the build fails and drops nothing, then succeeds once they differ', async () => {
    const tableName = `unique-${randomUUID()}`
    const ids = await legacyTable(tableName, ['', '', 'x'])
    const payload = await bootOnTable(postsConfig, tableName)
    try {
      // The build on start failed (logged): the index waits, its other markers still hold.
      expect(await adapterOf(payload).syncIndexes({ dryRun: true })).toEqual({
        pending: ['posts/code'],
        stale: [],
      })
      expect(
        (await adapterOf(payload).verifyIndexes({ collection: 'posts' })).duplicateValues,
      ).toBe(1)
      await expect(
        payload.create({ collection: 'posts', data: { code: 'x' } }),
      ).rejects.toBeInstanceOf(ValidationError)
      await expect(adapterOf(payload).syncIndexes()).rejects.toThrow(
        /held by more than one document/,
      )

      await payload.update({ collection: 'posts', data: { code: 'y' }, id: ids[1] })
      await adapterOf(payload).syncIndexes()
      expect(await adapterOf(payload).syncIndexes({ dryRun: true })).toEqual({
        pending: [],
        stale: [],
      })
      expect((await adapterOf(payload).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
      await expect(
        payload.create({ collection: 'posts', data: { code: '' } }),
      ).rejects.toBeInstanceOf(ValidationError)
    } finally {
      await payload.destroy()
    }
  })
})
