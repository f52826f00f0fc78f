/**
 * The mixed workload's collections and operations: the same seeded list of creates, finds and
 * counts is played against each adapter. Ids differ between adapters, so a lane keeps the ids
 * it created and operations name documents by their position.
 */
import type { CollectionConfig, Payload, Where } from 'payload'

import { seeded } from '../test/support/workload.js'

/** Fresh objects for every config: Payload's buildConfig changes what it is given. */
export const workloadCollections = (): CollectionConfig[] => [
  {
    slug: 'authors',
    fields: [
      { name: 'name', type: 'text' },
      { name: 'age', type: 'number' },
    ],
  },
  { slug: 'tags', fields: [{ name: 'label', type: 'text' }] },
  {
    slug: 'articles',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'slug', type: 'text', index: true, unique: true },
      { name: 'status', type: 'select', index: true, options: ['draft', 'published', 'archived'] },
      { name: 'views', type: 'number', index: true },
      { name: 'publishedAt', type: 'date', index: true },
      // Not indexed.
      { name: 'category', type: 'text' },
      { name: 'rating', type: 'number' },
      { name: 'author', type: 'relationship', relationTo: 'authors' },
      { name: 'tags', type: 'relationship', hasMany: true, relationTo: 'tags' },
    ],
  },
]

export const AUTHORS = 20
export const TAGS = 20
export const ARTICLES = 180
const CATEGORIES = ['news', 'tech', 'life', 'sport', 'music']
const STATUSES = ['draft', 'published', 'archived']

export type Lane = { authorIDs: (number | string)[]; payload: Payload; tagIDs: (number | string)[] }

export type Operation = {
  /** What it does, for a report of differing answers. */
  describe: string
  kind: 'count' | 'create' | 'find'
  /** Runs the operation; the answer is comparable across adapters (no ids). */
  run: (lane: Lane) => Promise<string>
}

function article(i: number, lane: Lane): Record<string, unknown> {
  return {
    author: lane.authorIDs[i % AUTHORS],
    category: CATEGORIES[i % CATEGORIES.length],
    publishedAt: new Date(Date.UTC(2024, 0, 1) + ((i * 37) % ARTICLES) * 86_400_000).toISOString(),
    // Every seventh has no rating (nulls for `exists` and `in`).
    rating: i % 7 === 0 ? null : i % 5,
    slug: `article-${i}`,
    status: STATUSES[i % STATUSES.length],
    tags: [lane.tagIDs[i % TAGS], lane.tagIDs[(i * 3 + 1) % TAGS]],
    title: `Article ${i}`,
    views: (i * 7919) % 10_000,
  }
}

/** The 220 creates, in order: authors and tags first (articles point at them). */
export function createOperations(): Operation[] {
  const operations: Operation[] = []
  const named = (collection: 'authors' | 'tags', field: string, data: Record<string, unknown>) =>
    ({
      describe: `create ${collection}`,
      kind: 'create',
      run: async (lane) => {
        const doc = await lane.payload.create({ collection, data })
        ;(collection === 'authors' ? lane.authorIDs : lane.tagIDs).push(doc.id)
        return String(doc[field])
      },
    }) satisfies Operation
  for (let i = 0; i < AUTHORS; i++) {
    operations.push(named('authors', 'name', { age: 20 + ((i * 7) % 50), name: `Author ${i}` }))
  }
  for (let i = 0; i < TAGS; i++) {
    operations.push(named('tags', 'label', { label: `Tag ${i}` }))
  }
  for (let i = 0; i < ARTICLES; i++) {
    operations.push({
      describe: 'create',
      kind: 'create',
      run: async (lane) => {
        const doc = await lane.payload.create({ collection: 'articles', data: article(i, lane) })
        return doc.slug as string
      },
    })
  }
  return operations
}

type Filter = { sort: string; where: (lane: Lane) => Where }

/**
 * Filters over indexed and plain fields, relationship paths, `like`, `in`, ranges, and/or. Every
 * parameter is drawn here, before any lane runs, so both lanes run the same queries.
 */
function filters(random: () => number): Filter[] {
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)]
  const int = (below: number) => Math.floor(random() * below)
  const [status, otherStatus] = [pick(STATUSES), pick(STATUSES)]
  const [category, otherCategory] = [pick(CATEGORIES), pick(CATEGORIES)]
  const [low, width] = [int(9_000), 1 + int(3_000)]
  const [rating, otherRating] = [int(5), int(5)]
  const day = new Date(Date.UTC(2024, 0, 1) + int(ARTICLES) * 86_400_000).toISOString()
  const [author, tag, digit, age] = [int(AUTHORS), int(TAGS), 1 + int(9), 20 + int(50)]
  return [
    { sort: '-views', where: () => ({ status: { equals: status } }) },
    { sort: 'title', where: () => ({ category: { equals: category } }) },
    {
      sort: 'views',
      where: () => ({ views: { greater_than: low, less_than_equal: low + width } }),
    },
    { sort: '-publishedAt', where: () => ({ rating: { in: [rating, otherRating] } }) },
    { sort: 'slug', where: () => ({ title: { like: `article ${digit}` } }) },
    { sort: '-views', where: () => ({ 'author.name': { equals: `Author ${author}` } }) },
    { sort: 'publishedAt', where: () => ({ 'tags.label': { equals: `Tag ${tag}` } }) },
    { sort: 'title', where: (lane) => ({ author: { equals: lane.authorIDs[author] } }) },
    { sort: '-views', where: (lane) => ({ tags: { in: [lane.tagIDs[tag]] } }) },
    {
      sort: 'views',
      where: () => ({
        and: [{ status: { in: [status, otherStatus] } }, { views: { greater_than_equal: low } }],
      }),
    },
    {
      sort: '-publishedAt',
      where: () => ({
        or: [{ category: { equals: otherCategory } }, { rating: { equals: rating } }],
      }),
    },
    { sort: 'publishedAt', where: () => ({ publishedAt: { greater_than: day } }) },
    { sort: '-title', where: () => ({ rating: { exists: false } }) },
    { sort: 'slug', where: () => ({ 'author.age': { greater_than: age } }) },
    {
      sort: 'views',
      where: () => ({ and: [{ status: { not_equals: status } }, { category: { like: 'e' } }] }),
    },
    { sort: '-createdAt', where: () => ({}) },
  ]
}

/** The filter with ids shown by position (ids differ between adapters). */
function describe(filter: Filter): string {
  const placeholders = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => `${prefix}#${index}`)
  const lane = {
    authorIDs: placeholders('author', AUTHORS),
    payload: undefined as never,
    tagIDs: placeholders('tag', TAGS),
  }
  return `where ${JSON.stringify(filter.where(lane))} sort ${filter.sort}`
}

/** `pairs` list pages and as many counts, interleaved, drawn by a seeded generator. */
export function queryOperations(pairs: number, seed = 11): Operation[] {
  const random = seeded(seed)
  const operations: Operation[] = []
  for (let i = 0; i < pairs; i++) {
    const choices = filters(random)
    const found = choices[Math.floor(random() * choices.length)]
    const page = 1 + Math.floor(random() * 2)
    const depth = Math.floor(random() * 2)
    operations.push({
      describe: `find ${describe(found)} page ${page} depth ${depth}`,
      kind: 'find',
      run: async (lane) => {
        const result = await lane.payload.find({
          collection: 'articles',
          depth,
          limit: 10,
          page,
          sort: found.sort,
          where: found.where(lane),
        })
        // createdAt may tie between quick creates: only the page's size is compared then.
        const slugs = result.docs.map((doc) => doc.slug as string)
        const shown = found.sort === '-createdAt' ? slugs.length : slugs.join(',')
        return `${result.totalDocs}:${shown}`
      },
    })
    const counted = choices[Math.floor(random() * choices.length)]
    operations.push({
      describe: `count ${describe(counted)}`,
      kind: 'count',
      run: async (lane) =>
        String(
          (await lane.payload.count({ collection: 'articles', where: counted.where(lane) }))
            .totalDocs,
        ),
    })
  }
  return operations
}
