/**
 * findDistinct over a whole collection on an indexed field reads the index's value counters (one
 * Query of a few items per value), not every document; its answers are db-sqlite's, after
 * updates and deletes that empty a value, and wherever the counters keep only part of a value
 * (a long text) or cannot answer (a `where`, a unique field, staged writes) the documents are read.
 */
import type { Config, DatabaseAdapterObj, PayloadRequest } from 'payload'

import { initTransaction, killTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { collectionNamespace } from '../../src/namespaces.js'
import { THROUGH_INDEXES, bootBoth, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'owners',
        fields: [
          { name: 'id', type: 'number' },
          { name: 'name', type: 'text' },
        ],
      },
      { slug: 'tags', fields: [{ name: 'label', type: 'text' }] },
      {
        slug: 'items',
        fields: [
          { name: 'status', type: 'select', index: true, options: ['a', 'b', 'c'] },
          { name: 'rank', type: 'number', index: true },
          { name: 'flag', type: 'checkbox', index: true },
          { name: 'label', type: 'text', index: true },
          { name: 'code', type: 'text', unique: true },
          { name: 'kinds', type: 'select', hasMany: true, index: true, options: ['x', 'y', 'z'] },
          { name: 'owner', type: 'relationship', relationTo: 'owners' },
          { name: 'tags', type: 'relationship', hasMany: true, relationTo: 'tags' },
        ],
      },
    ],
    db,
    secret: 'counted-distinct-test',
    telemetry: false,
  }
}

const LONG = 'L'.repeat(3000)

describe('findDistinct from value counters', () => {
  let dynamo: Booted
  let sqlite: Booted
  /** Tag ids differ between the databases: values are compared by label. */
  const labels = new Map<string, string>()

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, THROUGH_INDEXES)
    for (const booted of [dynamo, sqlite]) {
      const { payload } = booted
      for (const id of [7, 8, 9]) {
        await payload.create({ collection: 'owners', data: { id, name: `owner ${id}` } })
      }
      const tags: (number | string)[] = []
      for (const label of ['red', 'green', 'blue']) {
        const tag = await payload.create({ collection: 'tags', data: { label } })
        tags.push(tag.id)
        labels.set(String(tag.id), label)
      }
      const ids: (number | string)[] = []
      for (let i = 0; i < 24; i++) {
        const item = await payload.create({
          collection: 'items',
          data: {
            code: `code-${i}`,
            flag: i % 3 === 0 ? undefined : i % 2 === 0,
            kinds: i % 4 === 0 ? [] : (['x', 'y', 'z'] as const).slice(i % 3),
            label: i % 5 === 0 ? undefined : i === 3 ? '' : `label ${i % 4}`,
            owner: i % 6 === 0 ? undefined : [7, 8, 9][i % 3],
            rank: i % 7 === 0 ? undefined : (i % 5) - 2.5,
            status: i % 8 === 0 ? undefined : (['a', 'b', 'c'] as const)[i % 3],
            tags: i % 5 === 1 ? [] : tags.slice(i % 2, 2 + (i % 2)),
          },
        })
        ids.push(item.id)
      }
      // Empties values: no 'c' left, rank 1.5 gone with the deleted items, owner 9 moved to 8.
      await payload.update({
        collection: 'items',
        data: { status: 'b' },
        where: { status: { equals: 'c' } },
      })
      await payload.update({
        collection: 'items',
        data: { owner: 8 },
        where: { owner: { equals: 9 } },
      })
      await payload.delete({ collection: 'items', where: { rank: { equals: 1.5 } } })
      await payload.update({
        collection: 'items',
        data: { kinds: ['x'] },
        where: { code: { equals: 'code-4' } },
      })
    }
  })

  afterAll(() => closeAll(dynamo, sqlite))

  const readable = (field: string, value: unknown) =>
    field === 'tags' && value !== null ? labels.get(String(value)) : value

  async function distinct(
    booted: Booted,
    field: string,
    sort: string,
    limit?: number,
    page?: number,
  ) {
    const result = await booted.payload.findDistinct({
      collection: 'items',
      field: field as 'status',
      limit,
      page,
      sort: sort as 'status',
    })
    return {
      ...result,
      values: result.values.map((row) =>
        readable(field, (row as Record<string, unknown>)[field] ?? null),
      ),
    }
  }

  /**
   * The Queries a call sends, by the partition they read (the collection's counter items, read
   * to check that no write overlapped the counters' read, as `<pk> counters`).
   */
  async function partitionsRead(run: () => Promise<unknown>): Promise<string[]> {
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const pks: string[] = []
    const name = `record-${Math.random()}`
    adapter.docClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'QueryCommand') {
          const input = args.input as { ExpressionAttributeValues?: Record<string, unknown> }
          const from = String(input.ExpressionAttributeValues?.[':from'] ?? '')
          const pk = String(input.ExpressionAttributeValues?.[':pk'])
          pks.push(from.startsWith('M#count') ? `${pk} counters` : pk)
        }
        return next(args)
      },
      { name, step: 'initialize' },
    )
    try {
      await run()
    } finally {
      adapter.docClient.middlewareStack.remove(name)
    }
    return pks
  }

  it.each(['status', 'rank', 'flag', 'kinds', 'owner', 'label'])(
    "%s: db-sqlite's values in both orders and by page, from the counters",
    async (field) => {
      const documents = collectionNamespace(
        dynamo.payload.db as unknown as DynamoDBAdapter,
        'items',
      ).pk
      for (const sort of [field, `-${field}`]) {
        const expected = await distinct(sqlite, field, sort)
        let ours: Awaited<ReturnType<typeof distinct>> | undefined
        const pks = await partitionsRead(async () => {
          ours = await distinct(dynamo, field, sort)
        })
        expect(ours).toEqual(expected)
        expect(expected.values.length).toBeGreaterThan(2)
        expect(expected.values).toContain(null)
        // One read of the counters, none of the documents.
        expect(pks.filter((pk) => pk.includes('#K#'))).toHaveLength(1)
        expect(pks).not.toContain(documents)
        for (const [limit, page] of [
          [2, 1],
          [2, 2],
          [3, 9],
        ]) {
          const paged = await distinct(dynamo, field, sort, limit, page)
          const reference = await distinct(sqlite, field, sort, limit, page)
          expect(paged.values).toEqual(reference.values)
          // db-sqlite's total leaves NULL out (`COUNT(DISTINCT x)`) though its pages hold it;
          // here the total is the number of values paged through (docs/consistency.md).
          expect(paged.totalDocs).toBe(expected.values.length)
          expect(paged.totalPages).toBe(Math.ceil(expected.values.length / limit))
        }
      }
    },
  )

  it('tags (hasMany relationship): every tag value and null, from the counters', async () => {
    const expected = await distinct(sqlite, 'tags', 'tags')
    let ours = expected
    const pks = await partitionsRead(async () => {
      ours = await distinct(dynamo, 'tags', 'tags')
    })
    expect(pks.filter((pk) => pk.includes('#K#'))).toHaveLength(1)
    // The ids differ, so the order of the labels may too: compared as sets.
    expect(new Set(ours.values)).toEqual(new Set(expected.values))
    expect(ours.values).toHaveLength(expected.values.length)
    expect(ours.values).toContain(null)
  })

  it('reads the counters again when a write of the collection overlapped their read', async () => {
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const name = 'overlapping-write'
    let moved = false
    adapter.docClient.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { ExpressionAttributeValues?: Record<string, unknown> }
        const result = await next(args)
        if (
          !moved &&
          context.commandName === 'QueryCommand' &&
          String(input.ExpressionAttributeValues?.[':pk']).includes('#K#flag')
        ) {
          // Right after the counters' read: a document changes its value.
          moved = true
          await dynamo.payload.update({
            collection: 'items',
            data: { flag: null },
            where: { code: { equals: 'code-1' } },
          })
        }
        return result
      },
      { name, step: 'initialize' },
    )
    let pks: string[] = []
    let ours: Awaited<ReturnType<typeof distinct>> | undefined
    try {
      pks = await partitionsRead(async () => {
        ours = await distinct(dynamo, 'flag', 'flag')
      })
    } finally {
      adapter.docClient.middlewareStack.remove(name)
    }
    expect(moved).toBe(true)
    // Read twice, each between two reads of the collection's counter items.
    expect(pks.filter((pk) => pk.includes('#K#'))).toHaveLength(2)
    expect(pks.filter((pk) => pk.endsWith(' counters'))).toHaveLength(4)
    await sqlite.payload.update({
      collection: 'items',
      data: { flag: null },
      where: { code: { equals: 'code-1' } },
    })
    expect(ours).toEqual(await distinct(sqlite, 'flag', 'flag'))
  })

  it('reads the documents where the counters keep only part of a value, or none', async () => {
    const documents = collectionNamespace(
      dynamo.payload.db as unknown as DynamoDBAdapter,
      'items',
    ).pk
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.update({
        collection: 'items',
        data: { label: LONG },
        where: { code: { equals: 'code-1' } },
      })
    }
    for (const [field, where] of [
      ['label', undefined],
      ['code', undefined],
      ['status', { rank: { greater_than: 0 } }],
    ] as const) {
      const ask = (booted: Booted) =>
        booted.payload.findDistinct({ collection: 'items', field, sort: field, where })
      let ours: unknown
      const pks = await partitionsRead(async () => {
        ours = await ask(dynamo)
      })
      expect(ours).toEqual(await ask(sqlite))
      if (where) {
        // Answered by the query's plan (here the rank index), the counters left alone.
        expect(pks.filter((pk) => pk.includes('#K#'))).toEqual([])
      } else {
        expect(pks).toContain(documents)
      }
    }
    const labelsNow = (await distinct(dynamo, 'label', 'label')).values
    expect(labelsNow).toContain(LONG)
  })

  it('in a transaction sees its staged writes, and not after they are undone', async () => {
    const { payload } = dynamo
    const req = { payload } as PayloadRequest
    await initTransaction(req)
    await payload.create({ collection: 'items', data: { code: 'staged', rank: 999 }, req })
    const ranks = async (inside?: PayloadRequest) =>
      (
        await payload.findDistinct({
          collection: 'items',
          field: 'rank',
          req: inside,
          sort: 'rank',
        })
      ).values.map((row) => row.rank)
    expect(await ranks(req)).toContain(999)
    expect(await ranks()).not.toContain(999)
    await killTransaction(req)
    expect(await ranks()).toEqual((await distinct(sqlite, 'rank', 'rank')).values)
  })
})
