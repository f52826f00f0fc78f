/**
 * findDistinct through Payload's Local API, on DynamoDB and on db-sqlite (the reference) with the
 * same config and data. Ids differ between the databases, so relationship values are compared by
 * the title of the document they point to.
 */
import type { CollectionConfig, DatabaseAdapterObj, Payload } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { mergeUpdate } from '../../src/write/mergeUpdate.js'
import { boot } from '../support/bootPayload.js'

function collections(): CollectionConfig[] {
  return [
    { slug: 'simple', fields: [{ name: 'text', type: 'text' }] },
    {
      slug: 'categories',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'simple', type: 'relationship', relationTo: 'simple' },
      ],
    },
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'number', type: 'number' },
        { name: 'kind', type: 'text' },
        { name: 'category', type: 'relationship', relationTo: 'categories' },
        { name: 'categories', type: 'relationship', hasMany: true, relationTo: 'categories' },
        {
          name: 'categoryPolyMany',
          type: 'relationship',
          hasMany: true,
          relationTo: ['categories', 'simple'],
        },
        { name: 'categoryTitle', type: 'text', virtual: 'category.title' },
        { name: 'categoryID', type: 'text', virtual: 'category.id' },
        { name: 'categorySimpleText', type: 'text', virtual: 'category.simple.text' },
      ],
    },
  ]
}

function config(db: DatabaseAdapterObj) {
  // No type generation: Payload would spawn `payload generate:types`, which outlives the test.
  return {
    collections: collections(),
    db,
    secret: 'distinct-test-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

type World = { booted: Booted; names: Map<string, string>; payload: Payload }

/** The same data in either database; `names` maps `collection:id` (and `id`) to a title/text. */
async function seed(booted: Booted): Promise<World> {
  const { payload } = booted
  const names = new Map<string, string>()
  const simple: (number | string)[] = []
  for (const text of ['simple_1', 'simple_2', 'simple_3']) {
    const doc = await payload.create({ collection: 'simple', data: { text } })
    simple.push(doc.id)
    names.set(`simple:${doc.id}`, text)
  }
  const cats: (number | string)[] = []
  for (const [i, title] of ['category_1', 'category_2', 'category_3', 'category_4'].entries()) {
    const doc = await payload.create({
      collection: 'categories',
      data: { simple: simple[Math.min(i, 2)], title },
    })
    cats.push(doc.id)
    names.set(`categories:${doc.id}`, title)
    names.set(String(doc.id), title)
  }
  // number: category_1 posts hold 1 and 10, category_2 holds 5, so min and max orders differ.
  const posts = [
    {
      categories: [cats[3], cats[1]],
      category: cats[0],
      number: 1,
      poly: [{ relationTo: 'categories', value: cats[0] }],
    },
    {
      categories: [cats[0], cats[2]],
      category: cats[0],
      number: 10,
      poly: [{ relationTo: 'simple', value: simple[1] }],
    },
    { categories: [cats[2]], category: cats[1], number: 5, poly: null },
    {
      categories: [cats[1], cats[0]],
      category: cats[3],
      number: 7,
      poly: [{ relationTo: 'categories', value: cats[0] }],
    },
  ]
  for (const [i, post] of posts.entries()) {
    await payload.create({
      collection: 'posts',
      data: {
        categories: post.categories,
        category: post.category,
        categoryPolyMany: post.poly,
        kind: ['a', 'a', 'b', 'c'][i],
        number: post.number,
        title: `post_${i + 1}`,
      },
    })
  }
  return { booted, names, payload }
}

/** Replaces ids (plain or `{ relationTo, value }`) with the names of their documents. */
function named(world: World, values: Record<string, unknown>[]): unknown[] {
  const name = (v: unknown): unknown => {
    if (v && typeof v === 'object' && 'relationTo' in v) {
      const poly = v as { relationTo: string; value: unknown }
      return `${poly.relationTo}:${String(world.names.get(`${poly.relationTo}:${String(poly.value)}`))}`
    }
    if (v && typeof v === 'object' && 'title' in v) {
      return `populated:${String((v as { title: unknown }).title)}`
    }
    return typeof v === 'string' || typeof v === 'number' ? (world.names.get(String(v)) ?? v) : v
  }
  return values.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, name(v)])))
}

describe('findDistinct', () => {
  let dynamo: World
  let sqlite: World

  beforeAll(async () => {
    const [d, s] = await Promise.all([boot(config, 'dynamodb'), boot(config, 'sqlite')])
    dynamo = await seed(d)
    sqlite = await seed(s)
  })

  afterAll(async () => {
    await Promise.all([dynamo?.booted.close(), sqlite?.booted.close()])
  })

  async function both(args: Parameters<Payload['findDistinct']>[0]) {
    const [actual, expected] = await Promise.all([
      dynamo.payload.findDistinct(args),
      sqlite.payload.findDistinct(args),
    ])
    return {
      actual: { ...actual, values: named(dynamo, actual.values) },
      expected: { ...expected, values: named(sqlite, expected.values) },
    }
  }

  it('follows one and two relationships, also through virtual fields', async () => {
    for (const field of [
      'category.title',
      'categoryTitle',
      'category.simple.text',
      'categorySimpleText',
    ]) {
      const { actual, expected } = await both({ collection: 'posts', field })
      expect(actual.values).toEqual(expected.values)
    }
    const { actual } = await both({ collection: 'posts', field: 'category.simple.text' })
    expect(actual.values).toEqual([
      { 'category.simple.text': 'simple_1' },
      { 'category.simple.text': 'simple_2' },
      { 'category.simple.text': 'simple_3' },
    ])
  })

  it('returns the relationship id for `rel.id` and a virtual field linked to it', async () => {
    for (const field of ['category.id', 'categoryID']) {
      const { actual, expected } = await both({
        collection: 'posts',
        field,
        sort: 'category.title',
      })
      expect(actual.values).toEqual(expected.values)
      expect(actual.values).toEqual(
        ['category_1', 'category_2', 'category_4'].map((title) => ({ [field]: title })),
      )
    }
  })

  it('pages distinct values of a relationship path', async () => {
    const first = await both({ collection: 'posts', field: 'category.title', limit: 2, page: 1 })
    const second = await both({ collection: 'posts', field: 'category.title', limit: 2, page: 2 })
    expect(first.actual).toEqual(first.expected)
    expect(second.actual).toEqual(second.expected)
    expect(first.actual).toMatchObject({ hasNextPage: true, totalDocs: 3, totalPages: 2 })
    expect(second.actual.values).toEqual([{ 'category.title': 'category_4' }])
  })

  it('pages an empty answer and a page past the end as db-sqlite does', async () => {
    const none = { title: { equals: 'no such post' } }
    for (const args of [
      { field: 'title', limit: 5, page: 1, where: none },
      { field: 'title', limit: 5, page: 3, where: none },
      { field: 'category.title', limit: 2, page: 4 },
      { field: 'title', where: none },
    ]) {
      const { actual, expected } = await both({ collection: 'posts', ...args })
      expect(actual).toEqual(expected)
    }
    const { actual } = await both({ collection: 'posts', field: 'title', limit: 5, where: none })
    expect(actual).toMatchObject({ totalDocs: 0, totalPages: 0, values: [] })
    // Out-of-range paging: every value for a negative limit, the first page for a negative one.
    const all = await both({ collection: 'posts', field: 'title' })
    const negative = await both({ collection: 'posts', field: 'title', limit: -1 })
    const before = await both({ collection: 'posts', field: 'title', limit: 2, page: -1 })
    expect(negative.actual.values).toEqual(all.actual.values)
    expect(negative.actual.values).toEqual(negative.expected.values)
    expect(before.actual.values).toEqual(all.actual.values.slice(0, 2))
    expect(before.actual.values).toEqual(before.expected.values)
  })

  it('lists each hasMany value, ordered by the related document or by id', async () => {
    // `categories.id` is the stored value itself (query/paths.ts), as db-sqlite reads it.
    for (const sort of [
      'categories.title',
      '-categories.title',
      'categories.id',
      '-categories.id',
      undefined,
    ]) {
      const { actual, expected } = await both({ collection: 'posts', field: 'categories', sort })
      expect(actual.values).toEqual(expected.values)
    }
    const { actual } = await both({
      collection: 'posts',
      field: 'categories',
      sort: '-categories.title',
    })
    expect(actual.values).toEqual(
      ['category_4', 'category_3', 'category_2', 'category_1'].map((categories) => ({
        categories,
      })),
    )
  })

  it('populates hasMany values one by one at depth 1', async () => {
    const { actual } = await both({
      collection: 'posts',
      depth: 1,
      field: 'categories',
      sort: 'categories.title',
    })
    expect(actual.values).toEqual(
      ['category_1', 'category_2', 'category_3', 'category_4'].map((t) => ({
        categories: `populated:${t}`,
      })),
    )
  })

  it('gives polymorphic hasMany values as { relationTo, value }, and null for a document without any', async () => {
    const { actual, expected } = await both({ collection: 'posts', field: 'categoryPolyMany' })
    expect(new Set(actual.values.map((v) => JSON.stringify(v)))).toEqual(
      new Set(expected.values.map((v) => JSON.stringify(v))),
    )
    expect(actual.values).toHaveLength(3)
    expect(actual.values).toContainEqual({ categoryPolyMany: null })
    expect(actual.values).toContainEqual({ categoryPolyMany: 'categories:category_1' })
    expect(actual.values).toContainEqual({ categoryPolyMany: 'simple:simple_2' })
  })

  it('orders by another field by its largest value among the documents holding each value', async () => {
    // kind a: numbers 1 and 10 (max 10), b: 5, c: 7 — db-sqlite orders by max(number).
    for (const [sort, order] of [
      ['number', ['b', 'c', 'a']],
      ['-number', ['a', 'c', 'b']],
    ] as const) {
      const { actual, expected } = await both({ collection: 'posts', field: 'kind', sort })
      expect(actual.values).toEqual(expected.values)
      expect(actual.values).toEqual(order.map((kind) => ({ kind })))
    }
    // Through a relationship (db-sqlite repeats values here, as its SELECT DISTINCT includes the
    // sort column once there is a join): each value once, by its largest number.
    const { actual } = await both({ collection: 'posts', field: 'category.title', sort: 'number' })
    expect(actual.values.map((v) => (v as Record<string, unknown>)['category.title'])).toEqual([
      'category_2',
      'category_4',
      'category_1',
    ])
  })

  it('applies a where before collecting', async () => {
    const where = { number: { greater_than: 4 } }
    const { actual, expected } = await both({
      collection: 'posts',
      field: 'category.simple.text',
      where,
    })
    expect(actual.values).toEqual(expected.values)
    expect(actual.values).toEqual([
      { 'category.simple.text': 'simple_1' },
      { 'category.simple.text': 'simple_2' },
      { 'category.simple.text': 'simple_3' },
    ])
  })
})

describe('mergeUpdate with dotted keys', () => {
  it('applies localized $push / $remove at a nested path and keeps the siblings', () => {
    const existing = {
      group: {
        other: 'kept',
        rel: { en: [{ relationTo: 'a', value: '1' }], es: [{ relationTo: 'a', value: '9' }] },
      },
      title: 't',
    }
    const pushed = mergeUpdate(existing, {
      'group.rel': {
        en: {
          $push: [
            { relationTo: 'b', value: '2' },
            { relationTo: 'a', value: '1' },
          ],
        },
      },
    })
    expect(pushed).toEqual({
      group: {
        other: 'kept',
        rel: {
          en: [
            { relationTo: 'a', value: '1' },
            { relationTo: 'b', value: '2' },
          ],
          es: [{ relationTo: 'a', value: '9' }],
        },
      },
      title: 't',
    })
    const removed = mergeUpdate(pushed, {
      'group.rel': { en: { $remove: [{ relationTo: 'a', value: '1' }] } },
    })
    expect((removed.group as { rel: { en: unknown[] } }).rel.en).toEqual([
      { relationTo: 'b', value: '2' },
    ])
    expect(existing.group.rel.en).toHaveLength(1)
  })

  it('sets a plain value at a dotted path', () => {
    expect(mergeUpdate({ g: { a: 1, b: 2 } }, { 'g.b': 3, 'h.c': 'x' })).toEqual({
      g: { a: 1, b: 3 },
      h: { c: 'x' },
    })
  })
})
