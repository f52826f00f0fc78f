/**
 * A find with `select` reads only the fields it keeps (plus those its `where` and sort name):
 * a ProjectionExpression on the partition read, the candidates' BatchGetItem and the GetItem by
 * id. What Payload returns stays db-sqlite's, and a partial document never stands for the whole
 * one in a write that follows in the same transaction.
 */
import type { Config, DatabaseAdapterObj, PayloadRequest, SelectType, Sort, Where } from 'payload'

import { commitTransaction, initTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, bootBoth, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'writers',
        fields: [
          { name: 'name', type: 'text' },
          { name: 'posts', type: 'join', collection: 'posts', on: 'writer' },
        ],
      },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'body', type: 'textarea' },
          { name: 'status', type: 'select', index: true, options: ['draft', 'published'] },
          { name: 'views', type: 'number', index: true },
          { name: 'rating', type: 'number' },
          { name: 'writer', type: 'relationship', relationTo: 'writers' },
          {
            name: 'meta',
            type: 'group',
            fields: [
              { name: 'keywords', type: 'text' },
              { name: 'score', type: 'number' },
            ],
          },
          {
            name: 'items',
            type: 'array',
            fields: [
              { name: 'label', type: 'text' },
              { name: 'weight', type: 'number' },
            ],
          },
        ],
      },
    ],
    db,
    secret: 'select-projection-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

async function seed(booted: Booted): Promise<void> {
  const writers: (number | string)[] = []
  for (let i = 0; i < 3; i++) {
    writers.push(
      (await booted.payload.create({ collection: 'writers', data: { name: `W${i}` } })).id,
    )
  }
  for (let i = 0; i < 24; i++) {
    await booted.payload.create({
      collection: 'posts',
      data: {
        body: `body ${i} `.repeat(40),
        items: [
          { label: `a${i}`, weight: i },
          { label: `b${i}`, weight: -i },
        ],
        meta: { keywords: `k${i % 4}`, score: (i * 7) % 11 },
        rating: i % 5,
        status: i % 3 === 0 ? 'published' : 'draft',
        title: `Post ${String(i).padStart(2, '0')}`,
        views: (i * 37) % 100,
        writer: writers[i % 3],
      },
    })
  }
}

type Case = { depth?: number; name: string; select: SelectType; sort?: Sort; where?: Where }

const CASES: Case[] = [
  {
    name: 'partition read, plain field',
    select: { title: true },
    where: { rating: { equals: 2 } },
  },
  {
    name: 'partition read sorted by a field not selected',
    select: { title: true, meta: { score: true } },
    sort: '-rating',
    where: { 'meta.keywords': { equals: 'k1' } },
  },
  {
    name: 'index read (status), array sub-field',
    select: { items: { label: true } },
    sort: 'views',
    where: { status: { equals: 'published' } },
  },
  {
    name: 'ordered index page (views range)',
    select: { views: true, createdAt: true },
    sort: '-views',
    where: { views: { greater_than: 40 } },
  },
  {
    name: 'relationship path and populate at depth 1',
    depth: 1,
    select: { title: true, writer: true },
    sort: 'title',
    where: { 'writer.name': { equals: 'W1' } },
  },
  { name: 'no where, default order', select: { title: true, status: true } },
]

/** A document as compared: ids differ between adapters, the writer is named instead. */
function comparable(doc: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, writer, items, ...rest } = doc
  const shown: Record<string, unknown> = { ...rest }
  if (writer !== undefined) {
    shown.writer =
      writer && typeof writer === 'object' ? (writer as { name?: string }).name : typeof writer
  }
  if (Array.isArray(items)) {
    shown.items = items.map(({ id: _rowID, ...row }: Record<string, unknown>) => row)
  }
  for (const stamp of ['createdAt', 'updatedAt']) {
    if (stamp in shown) {
      shown[stamp] = typeof shown[stamp]
    }
  }
  return shown
}

describe('find with select reads only what it returns', () => {
  let dynamo: Booted
  let sqlite: Booted
  const sent: { command: string; names: string[]; projection?: string }[] = []

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, THROUGH_INDEXES)
    await seed(dynamo)
    await seed(sqlite)
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    adapter.docClient.middlewareStack.add(
      (next, context) => async (args) => {
        type Projected = {
          ExpressionAttributeNames?: Record<string, string>
          ProjectionExpression?: string
        }
        const input = args.input as { RequestItems?: Record<string, Projected> } & Projected
        const read = input.RequestItems ? Object.values(input.RequestItems)[0] : input
        sent.push({
          // The document client's commands reach here under the low-level names.
          command: String(context.commandName).replace(/(Item)?Command$/, ''),
          names: Object.values(read.ExpressionAttributeNames ?? {}),
          projection: read.ProjectionExpression,
        })
        return next(args)
      },
      { name: 'recordProjections', step: 'initialize' },
    )
  })

  afterAll(async () => {
    await closeAll(dynamo, sqlite)
  })

  const find = (booted: Booted, each: Case, page = 1) =>
    booted.payload.find({
      collection: 'posts',
      depth: each.depth ?? 0,
      limit: 5,
      page,
      select: each.select,
      sort: each.sort,
      where: each.where,
    })

  it.each(CASES)("$name: db-sqlite's documents, read with a projection", async (each) => {
    for (const page of [1, 2]) {
      sent.length = 0
      const [ours, theirs] = [await find(dynamo, each, page), await find(sqlite, each, page)]
      expect(ours.totalDocs).toBe(theirs.totalDocs)
      expect(ours.docs.map(comparable)).toEqual(theirs.docs.map(comparable))
      if (page === 1) {
        expect(ours.docs.length).toBeGreaterThan(0)
      }
      // The posts' documents were read projected (the writers' lookups and populate may not be).
      const postReads = sent.filter(
        (request) =>
          ['Query', 'BatchGet', 'Get'].includes(request.command) &&
          request.projection?.includes('#prjDoc'),
      )
      expect(postReads.length).toBeGreaterThan(0)
      // `body` is never selected: no projection names it.
      expect(postReads.flatMap((request) => request.names)).not.toContain('body')
    }
  })

  it.each([
    { field: 'meta.score', sort: '-meta.score', where: { rating: { less_than: 3 } } },
    { field: 'status', sort: 'status', where: { views: { greater_than: 10 } } },
    // Ordered by the documents holding each value: the sort field is read, not returned.
    { field: 'status', sort: '-views', where: undefined },
    { field: 'writer.name', sort: 'writer.name', where: { 'items.weight': { less_than: 5 } } },
  ] as { field: string; sort: string; where?: Where }[])(
    'findDistinct of $field sorted by $sort reads the documents projected to what it needs',
    async ({ field, sort, where }) => {
      const distinct = (booted: Booted) =>
        booted.payload.findDistinct({
          collection: 'posts',
          depth: 0,
          field: field as 'status',
          sort,
          where,
        })
      sent.length = 0
      const [ours, theirs] = [await distinct(dynamo), await distinct(sqlite)]
      expect(ours.values.length).toBeGreaterThan(1)
      expect(ours.values).toEqual(theirs.values)
      const postReads = sent.filter(
        (request) =>
          ['Query', 'BatchGet'].includes(request.command) &&
          request.projection?.includes('#prjDoc'),
      )
      expect(postReads.length).toBeGreaterThan(0)
      expect(postReads.flatMap((request) => request.names)).not.toContain('body')
      expect(postReads.flatMap((request) => request.names)).toContain(field.split('.')[0])
    },
  )

  it('findByID with select reads the item projected', async () => {
    const [first] = (await dynamo.payload.find({ collection: 'posts', limit: 1, sort: 'title' }))
      .docs
    sent.length = 0
    const found = await dynamo.payload.findByID({
      collection: 'posts',
      depth: 0,
      id: first.id,
      select: { title: true },
    })
    expect(found).toEqual({ id: first.id, title: first.title })
    expect(sent.some((request) => request.command === 'Get' && request.projection)).toBe(true)
  })

  it('without select the whole document is read', async () => {
    sent.length = 0
    const found = await dynamo.payload.find({
      collection: 'posts',
      depth: 0,
      limit: 3,
      where: { rating: { equals: 1 } },
    })
    expect(found.docs[0].body).toMatch(/^body /)
    expect(sent.filter((request) => request.projection?.includes('#prjDoc'))).toEqual([])
  })

  it('an update after a find with select in the same transaction keeps every field', async () => {
    const req = { payload: dynamo.payload } as PayloadRequest
    await initTransaction(req)
    const { docs } = await dynamo.payload.find({
      collection: 'posts',
      depth: 0,
      limit: 2,
      req,
      select: { title: true },
      // Served by the status index: the documents are fetched by key, as a transaction remembers them.
      where: { status: { equals: 'published' } },
    })
    expect(docs).toHaveLength(2)
    for (const doc of docs) {
      await dynamo.payload.update({
        collection: 'posts',
        data: { rating: 33 },
        depth: 0,
        id: doc.id,
        req,
      })
    }
    await commitTransaction(req)
    for (const doc of docs) {
      const stored = await dynamo.payload.findByID({ collection: 'posts', depth: 0, id: doc.id })
      expect(stored.rating).toBe(33)
      expect(stored.body).toMatch(/^body /)
      expect(stored.items).toHaveLength(2)
      expect(stored.meta?.keywords).toMatch(/^k/)
      expect(stored.status).toMatch(/draft|published/)
    }
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    expect(await adapter.verifyIndexes({ collection: 'posts' })).toMatchObject({ clean: true })
  })
})
