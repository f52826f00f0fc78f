import type { PaginatedDocs, SelectType, Sort, Where } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { applySelect } from '../query/applySelect.js'
import { sameRevision } from '../storage/revisions.js'
import { paginate } from './paginate.js'
import { runQuery } from './runQuery.js'

export type FindPageArgs = {
  limit?: number
  locale?: string
  page?: number
  pagination?: boolean
  select?: SelectType
  sort?: Sort
  where?: Where
}

/** Matches, orders and pages the documents of one namespace: the shared body of every find. */
export async function findPage(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: FindPageArgs,
): Promise<PaginatedDocs<Doc>> {
  const limit = args.limit && args.limit > 0 ? args.limit : 0
  const page = args.page && args.page > 0 ? args.page : 1
  // `select` lets the query read only part of each document (the write paths never pass one).
  const { offset, ordered, totalDocs } = await runQuery(adapter, namespace, args, {
    needsTotal: args.pagination !== false && limit > 0,
    page: limit > 0 ? { limit, offset: (page - 1) * limit } : undefined,
    want: limit > 0 ? page * limit : Number.POSITIVE_INFINITY,
  })
  const result = paginate(ordered, args, totalDocs, offset)
  result.docs = result.docs.map((doc) =>
    sameRevision(doc, applySelect(doc, namespace.fields, args.select)),
  )
  return result
}
