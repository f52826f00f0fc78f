/**
 * The same data and the same queries on DynamoDB and on @payloadcms/db-sqlite, through Payload's
 * Local API: the answers (documents in order and every pagination field) must be equal.
 */
import type { Sort, Where } from 'payload'

import type { Booted } from '../support/bootPayload.js'
import type { Ref } from '../support/compare.js'

import { boot, THROUGH_INDEXES } from '../support/bootPayload.js'
import { normalizePage, onReference, refFor } from '../support/compare.js'
import { fixtureConfig } from '../support/fixtureConfig.js'
import { seedFixture } from '../support/seed.js'

type QueryCase = {
  limit?: number
  locale?: string
  name: string
  page?: number
  pagination?: boolean
  sort?: Sort
  where?: (ref: Ref) => object
}

const cases: QueryCase[] = [
  { name: 'default sort, first page' },
  { name: 'second page of 7', limit: 7, page: 2 },
  { name: 'page past the end', limit: 10, page: 9 },
  { name: 'limit 0 returns all', limit: 0 },
  { name: 'pagination false with limit', limit: 5, pagination: false },
  { name: 'sort by title', sort: 'title', limit: 50 },
  { name: 'sort by -views', sort: '-views', limit: 50 },
  { name: 'sort by two fields', sort: ['status', '-views'], limit: 50 },
  // A string is one path for db-sqlite (an unknown one: the default order), whatever its commas.
  { name: 'a sort string with a comma', sort: '-views,title', limit: 5 },
  { name: 'sort by date asc', sort: 'publishedAt', limit: 50 },
  { name: 'sort by nested group field', sort: '-meta.score', limit: 50 },
  { name: 'sort by checkbox', sort: ['featured', 'slug'], limit: 50 },
  { name: 'sort by localized field', sort: 'localTitle', limit: 50 },
  { name: 'sort by localized field in es', sort: '-localTitle', limit: 50, locale: 'es' },
  { name: 'equals text', where: () => ({ slug: { equals: 'p05' } }) },
  { name: 'equals text, no match', where: () => ({ slug: { equals: 'nope' } }) },
  { name: 'not_equals select', where: () => ({ status: { not_equals: 'draft' } }), limit: 50 },
  { name: 'in select', where: () => ({ status: { in: ['draft', 'archived'] } }), limit: 50 },
  { name: 'not_in select', where: () => ({ status: { not_in: ['draft'] } }), limit: 50 },
  { name: 'exists true', where: () => ({ views: { exists: true } }), limit: 50 },
  { name: 'exists false', where: () => ({ views: { exists: false } }), limit: 50 },
  { name: 'greater_than number', where: () => ({ views: { greater_than: 50 } }), limit: 50 },
  {
    name: 'number range',
    where: () => ({ and: [{ views: { greater_than_equal: 0 } }, { views: { less_than: 100 } }] }),
    sort: 'views',
    limit: 50,
  },
  {
    name: 'less_than_equal negative',
    where: () => ({ views: { less_than_equal: -1 } }),
    limit: 50,
  },
  {
    name: 'date range',
    where: () => ({
      publishedAt: {
        greater_than: '2024-03-01T00:00:00.000Z',
        less_than_equal: '2024-08-15T00:00:00.000Z',
      },
    }),
    sort: 'publishedAt',
    limit: 50,
  },
  { name: 'like several words', where: () => ({ title: { like: 'alpha beta' } }), limit: 50 },
  { name: 'like is case-insensitive', where: () => ({ title: { like: 'GAMMA' } }), limit: 50 },
  { name: 'not_like', where: () => ({ title: { not_like: 'alpha' } }), limit: 50 },
  { name: 'contains', where: () => ({ body: { contains: 'ETA' } }), limit: 50 },
  { name: 'checkbox equals true', where: () => ({ featured: { equals: true } }), limit: 50 },
  { name: 'checkbox equals false', where: () => ({ featured: { equals: false } }), limit: 50 },
  {
    name: 'checkbox not_equals true',
    where: () => ({ featured: { not_equals: true } }),
    limit: 50,
  },
  { name: 'hasMany select equals', where: () => ({ topics: { equals: 'tech' } }), limit: 50 },
  { name: 'hasMany select in', where: () => ({ topics: { in: ['life', 'news'] } }), limit: 50 },
  {
    name: 'hasMany number greater_than',
    where: () => ({ ratings: { greater_than: 4 } }),
    limit: 50,
  },
  {
    name: 'relationship equals',
    where: (ref) => ({ author: { equals: ref('authors:1') } }),
    limit: 50,
  },
  {
    name: 'relationship in',
    where: (ref) => ({ author: { in: [ref('authors:1'), ref('authors:2')] } }),
    limit: 50,
  },
  {
    name: 'relationship not_equals',
    where: (ref) => ({ author: { not_equals: ref('authors:1') } }),
    limit: 50,
  },
  { name: 'relationship exists false', where: () => ({ author: { exists: false } }), limit: 50 },
  {
    name: 'relationship sub-field',
    where: () => ({ 'author.name': { equals: 'Author 3' } }),
    limit: 50,
  },
  {
    name: 'relationship sub-field range',
    where: () => ({ 'author.age': { greater_than: 30 } }),
    limit: 50,
  },
  {
    name: 'hasMany relationship equals',
    where: (ref) => ({ tags: { equals: ref('tags:2') } }),
    limit: 50,
  },
  {
    name: 'hasMany relationship in',
    where: (ref) => ({ tags: { in: [ref('tags:0'), ref('tags:3')] } }),
    limit: 50,
  },
  // With relationTo too: SQL ids repeat across collections, so `value` alone is ambiguous there.
  {
    name: 'polymorphic value',
    where: (ref) => ({
      'related.relationTo': { equals: 'authors' },
      'related.value': { equals: ref('authors:2') },
    }),
    limit: 50,
  },
  {
    name: 'polymorphic relationTo',
    where: () => ({ 'related.relationTo': { equals: 'tags' } }),
    limit: 50,
  },
  { name: 'upload equals', where: (ref) => ({ cover: { equals: ref('media:1') } }), limit: 50 },
  { name: 'upload hasMany in', where: (ref) => ({ gallery: { in: [ref('media:0')] } }), limit: 50 },
  { name: 'group field', where: () => ({ 'meta.score': { greater_than: 50 } }), limit: 50 },
  {
    name: 'nested group checkbox',
    where: () => ({ 'meta.inner.flag': { equals: true } }),
    limit: 50,
  },
  { name: 'array field equals', where: () => ({ 'items.qty': { equals: 3 } }), limit: 50 },
  { name: 'array field like', where: () => ({ 'items.label': { like: 'delta' } }), limit: 50 },
  { name: 'blocks field', where: () => ({ 'layout.text': { equals: 'quote 1' } }), limit: 50 },
  {
    name: 'blocks blockType',
    where: () => ({ 'layout.blockType': { equals: 'quote' } }),
    limit: 50,
  },
  { name: 'json path', where: () => ({ 'data.level': { equals: 2 } }), limit: 50 },
  {
    name: 'json nested path',
    where: () => ({ 'data.nested.label': { equals: 'zeta' } }),
    limit: 50,
  },
  { name: 'localized field', where: () => ({ localTitle: { like: 'EN' } }), limit: 50 },
  {
    name: 'localized field in es',
    where: () => ({ localTitle: { like: 'título' } }),
    limit: 50,
    locale: 'es',
  },
  {
    name: 'or of two fields',
    where: () => ({ or: [{ status: { equals: 'draft' } }, { views: { greater_than: 150 } }] }),
    limit: 50,
  },
  {
    name: 'and inside or',
    where: () => ({
      or: [
        { and: [{ status: { equals: 'published' } }, { featured: { equals: true } }] },
        { kind: { equals: 'video' } },
      ],
    }),
    limit: 50,
  },
  {
    name: 'field with and/or siblings',
    where: () => ({
      kind: { equals: 'article' },
      or: [{ status: { equals: 'draft' } }, { status: { equals: 'archived' } }],
    }),
    limit: 50,
  },
  {
    name: 'id in',
    where: (ref) => ({ id: { in: [ref('posts:p01'), ref('posts:p02')] } }),
    limit: 50,
  },
  { name: 'id not_equals', where: (ref) => ({ id: { not_equals: ref('posts:p01') } }), limit: 50 },
  {
    name: 'indexed equality, sorted',
    where: () => ({ title: { exists: true } }),
    sort: 'title',
    limit: 5,
    page: 2,
  },
  { name: 'email contains', where: () => ({ contact: { contains: 'user1' } }), limit: 50 },
  { name: 'radio equals', where: () => ({ kind: { equals: 'video' } }), sort: '-slug', limit: 50 },
]

describe('queries answer like db-sqlite', () => {
  type Lane = { booted: Booted; names: Map<string, string>; ref: Ref }
  /** Holding the collection in memory (the default), and answering through indexes. */
  let lanes: Lane[]
  let sqlite: Booted
  let sqliteRef: Ref
  let sqliteNames: Map<string, string>

  beforeAll(async () => {
    const [held, throughIndexes, reference] = await Promise.all([
      boot(fixtureConfig, 'dynamodb'),
      boot(fixtureConfig, 'dynamodb', THROUGH_INDEXES),
      boot(fixtureConfig, 'sqlite'),
    ])
    sqlite = reference
    lanes = []
    for (const booted of [held, throughIndexes]) {
      const { names } = await seedFixture(booted.payload)
      lanes.push({ booted, names, ref: refFor(names) })
    }
    ;({ names: sqliteNames } = await seedFixture(sqlite.payload))
    sqliteRef = refFor(sqliteNames)
  })

  afterAll(async () => {
    await Promise.all([...(lanes ?? []).map((lane) => lane.booted.close()), sqlite?.close()])
  })

  it.each(cases)('$name', async ({ limit, locale, page, pagination, sort, where }) => {
    const expected = await onReference(() =>
      sqlite.payload.find({
        collection: 'posts',
        depth: 0,
        limit,
        locale,
        page,
        pagination,
        sort,
        where: where?.(sqliteRef) as Where,
      }),
    )
    if (!expected) {
      return // db-sqlite cannot answer this query; nothing to compare against.
    }
    for (const { booted, names, ref } of lanes) {
      const actual = await booted.payload.find({
        collection: 'posts',
        depth: 0,
        limit,
        locale,
        page,
        pagination,
        sort,
        where: where?.(ref) as Where,
      })
      expect(normalizePage(actual, names)).toEqual(normalizePage(expected, sqliteNames))
    }
  })

  it('counts like db-sqlite', async () => {
    for (const { where } of cases) {
      const expected = await onReference(() =>
        sqlite.payload.count({ collection: 'posts', where: where?.(sqliteRef) as Where }),
      )
      if (expected) {
        for (const { booted, ref } of lanes) {
          const actual = await booted.payload.count({
            collection: 'posts',
            where: where?.(ref) as Where,
          })
          expect(actual.totalDocs).toBe(expected.totalDocs)
        }
      }
    }
  })
})
