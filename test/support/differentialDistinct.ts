/**
 * `findDistinct` for the differential tests: the distinct values of one field among the documents
 * a query's `where` matches, ordered by the field, paged; relationship values stand for the
 * fixture's authors and tags (ids differ between databases).
 */
import type { Where } from 'payload'

import { type Lane, resolve } from './differential.js'
import type { Query } from './differentialGenerator.js'

/** The fields asked for, with how a value of each is named across databases. */
export const DISTINCT_FIELDS = [
  'title',
  'views',
  'score',
  'status',
  'published',
  'publishedAt',
  'meta.rating',
  'headline',
  'author',
  'weight',
] as const

export type DistinctQuery = Query & { descending: boolean; field: (typeof DISTINCT_FIELDS)[number] }

export function distinctQuery(next: () => number, query: Query): DistinctQuery {
  const field = DISTINCT_FIELDS[Math.floor(next() * DISTINCT_FIELDS.length)]
  return { ...query, descending: next() < 0.5, field }
}

function named(lane: Lane, field: string, value: unknown): string {
  if (field === 'author' && value !== null && value !== undefined) {
    const id = typeof value === 'object' ? (value as { id: unknown }).id : value
    return `author#${lane.authors.indexOf(id as never)}`
  }
  return JSON.stringify(value ?? null)
}

/**
 * The page's values and the number of distinct values in all (counted from an unpaged call).
 * db-sqlite's `totalDocs` leaves `null` out (SQL's COUNT(DISTINCT) skips it) while its values
 * include it, so the total is counted from the values; this adapter's own `totalDocs` must equal
 * that count (`checkTotal`).
 */
export async function distinctAnswer(
  lane: Lane,
  query: DistinctQuery,
  checkTotal: boolean,
): Promise<string> {
  const ask = (limit: number | undefined, page: number) =>
    lane.payload.findDistinct({
      collection: 'items',
      depth: 0,
      field: query.field,
      limit,
      locale: query.locale,
      page,
      sort: `${query.descending ? '-' : ''}${query.field}`,
      where: resolve(query.where, lane) as Where,
    })
  try {
    const result = await ask(query.limit === 0 ? undefined : query.limit, query.page)
    const all = await ask(10_000, 1)
    const values = result.values.map((row) =>
      named(lane, query.field, (row as Record<string, unknown>)[query.field]),
    )
    const told =
      checkTotal && result.totalDocs !== all.values.length ? ` (totalDocs ${result.totalDocs})` : ''
    return `total ${all.values.length}${told}: ${values.join('|')}`
  } catch (error) {
    return `error ${(error as Error).name}: ${(error as Error).message}`
  }
}
