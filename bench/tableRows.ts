/**
 * The table: list pages and counts over a `posts` collection of N documents, through
 * Payload's Local API, counted by the proxy in front of DynamoDB Local.
 *
 * Documents are written as the adapter's `create` writes them (see `seedDocuments`), outside
 * Payload's hooks so that 50,000 load in minutes. The collection grows from one size to the next,
 * so each size is measured on the same table.
 */
import type { CollectionConfig, Payload, Where } from 'payload'

import type { CountingProxy } from './countingProxy.js'

import { type Measured, measure } from './measure.js'
import { seedDocuments } from './seedDocuments.js'

/** A fresh object for every config: Payload's buildConfig changes what it is given. */
export const postsCollection = (): CollectionConfig => ({
  slug: 'posts',
  fields: [
    { name: 'title', type: 'text' },
    { name: 'slug', type: 'text', index: true, unique: true },
    {
      name: 'status',
      type: 'select',
      index: true,
      options: ['draft', 'published', 'archived'],
    },
    { name: 'views', type: 'number', index: true },
    // Not indexed: queries on them read the collection (the fallback).
    { name: 'rating', type: 'number' },
    { name: 'body', type: 'textarea' },
  ],
})

const START = Date.parse('2024-01-01T00:00:00.000Z')
const BODY = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(5)

/** The i-th post: a quarter published, views spread over [0, 100000), a unique slug. */
export function post(i: number): Record<string, unknown> {
  const at = new Date(START + i * 1000).toISOString()
  return {
    body: `${BODY}${i}`,
    createdAt: at,
    rating: i % 5,
    slug: `post-${i}`,
    status: i % 4 === 0 ? 'published' : i % 4 === 1 ? 'draft' : 'archived',
    title: `Post ${i}`,
    updatedAt: at,
    // A permutation of [0, 100000) for i < 100000: every value distinct.
    views: (i * 7919) % 100_000,
  }
}

/** Grows the collection from `from` to `to` documents (the items the adapter's create writes). */
export function seedPosts(payload: Payload, from: number, to: number): Promise<void> {
  return seedDocuments(payload, 'posts', from, to, post)
}

export type TableRow = {
  /** Whether growth is judged on items returned rather than items read (the range row). */
  byReturned?: boolean
  name: string
  /** With a peak heap sample (only at the largest size: it slows nothing but is noisy). */
  sampleHeap?: boolean
  work: (payload: Payload, n: number) => Promise<number>
}

const page = (where: undefined | Where, sort: string) => async (payload: Payload) =>
  (await payload.find({ collection: 'posts', depth: 0, limit: 10, page: 1, sort, where })).docs
    .length

export const TABLE_ROWS: TableRow[] = [
  { name: 'newest first (`-createdAt`)', work: page(undefined, '-createdAt') },
  {
    name: "`status equals 'published'`, newest first",
    work: page({ status: { equals: 'published' } }, '-createdAt'),
  },
  {
    name: "`status equals 'published'`, sorted by `-views` (another indexed field)",
    work: page({ status: { equals: 'published' } }, '-views'),
  },
  {
    byReturned: true,
    name: '`views > 50000`, sorted by `views`',
    work: page({ views: { greater_than: 50_000 } }, 'views'),
  },
  {
    name: '`slug equals` (indexed, unique)',
    work: async (payload, n) =>
      (
        await payload.find({
          collection: 'posts',
          depth: 0,
          limit: 10,
          where: { slug: { equals: `post-${Math.floor(n / 2)}` } },
        })
      ).docs.length,
  },
  {
    name: '`count()`',
    work: async (payload) => (await payload.count({ collection: 'posts' })).totalDocs,
  },
  {
    name: "`count({ where: { status: { equals: 'published' } } })`",
    work: async (payload) =>
      (await payload.count({ collection: 'posts', where: { status: { equals: 'published' } } }))
        .totalDocs,
  },
  {
    // Not one of the rows: the admin's group-by. It reads every document (x N by
    // design); the heap shows what it holds of them.
    name: "`findDistinct('status')` (the admin's group-by)",
    sampleHeap: true,
    work: async (payload) =>
      (await payload.findDistinct({ collection: 'posts', field: 'status', sort: 'status' })).values
        .length,
  },
  {
    name: 'fallback: `rating equals 3` (not indexed), newest first',
    sampleHeap: true,
    work: page({ rating: { equals: 3 } }, '-createdAt'),
  },
]

export type TableResult = { measured: Measured; n: number; row: TableRow }

export async function measureTable(
  payload: Payload,
  proxy: CountingProxy,
  n: number,
  runs: number,
): Promise<TableResult[]> {
  const results: TableResult[] = []
  for (const row of TABLE_ROWS) {
    const measured = await measure(proxy, runs, () => row.work(payload, n), {
      sampleHeap: row.sampleHeap,
    })
    results.push({ measured, n, row })
  }
  return results
}
