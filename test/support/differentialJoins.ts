/**
 * Join fields for the differential tests: each author's `items` (the items whose `author` is that
 * author), filtered by a query's `where`, sorted and paged, with their total. Items are named by
 * `seq` and authors by their place in the fixture (ids differ between databases).
 */
import type { Where } from 'payload'

import { type Lane, namesPath, resolve } from './differential.js'
import type { Query } from './differentialGenerator.js'

/** Fields with several values per document (array and block rows, `hasMany`). */
const MULTI_VALUED = /^(rows|blocks|tags|labels|scores|notes|keywords|sections|refs)(\.|$)/

/**
 * Whether a `where` names a field with several values per document: db-sqlite's join then lists
 * a document once per matching row (and counts and pages it so), where this adapter, like
 * db-mongodb, lists it once. Such joins are not compared.
 */
export function namesMultiValued(where: Where): boolean {
  return namesPath(where, MULTI_VALUED)
}

export type JoinQuery = Query & { joinLimit: number; joinPage: number; joinSort: string }

/** `seq` is unique, so the page of a join sorted by it is the same in every database. */
export function joinQuery(next: () => number, query: Query): JoinQuery {
  const joinLimit = [0, 2, 5][Math.floor(next() * 3)]
  return {
    ...query,
    joinLimit,
    joinPage: joinLimit === 0 ? 1 : 1 + Math.floor(next() * 2),
    joinSort: next() < 0.5 ? 'seq' : '-seq',
  }
}

export async function joinAnswer(lane: Lane, query: JoinQuery): Promise<string> {
  try {
    const result = await lane.payload.find({
      collection: 'authors',
      depth: 0,
      joins: {
        items: {
          count: true,
          limit: query.joinLimit,
          page: query.joinPage,
          sort: query.joinSort,
          where: resolve(query.where, lane) as Where,
        },
      },
      locale: query.locale,
      pagination: false,
    })
    return result.docs
      .map((author) => {
        const join = (
          author as { items?: { docs?: unknown[]; hasNextPage?: boolean; totalDocs?: number } }
        ).items
        const seqs = (join?.docs ?? []).map((each) => {
          const id = each && typeof each === 'object' ? (each as { id: unknown }).id : each
          return lane.seqOf.get(String(id))
        })
        const index = lane.authors.indexOf(author.id as never)
        return `author#${index}: ${seqs.join(',')} (total ${join?.totalDocs}${join?.hasNextPage ? ', more' : ''})`
      })
      .sort()
      .join(' | ')
  } catch (error) {
    return `error ${(error as Error).name}: ${(error as Error).message}`
  }
}
