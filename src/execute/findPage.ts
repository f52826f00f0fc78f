import type { JoinQuery, PaginatedDocs, SelectType, Sort, Where } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { applySelect } from '../query/applySelect.js'
import { buildComparator } from '../query/compileSort.js'
import { createLookup } from './lookup.js'
import { matchWithPlan } from './matchDocuments.js'
import { paginate } from './paginate.js'

export type FindPageArgs = {
  joins?: JoinQuery
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
  const { docs, nearComparator } = await matchWithPlan(adapter, namespace, args)
  const comparator =
    nearComparator ??
    (await buildComparator(
      {
        fields: namespace.fields,
        locale: args.locale,
        lookup: createLookup(adapter),
        payload: adapter.payload,
      },
      args.sort,
      { timestamps: namespace.timestamps },
      docs,
    ))
  docs.sort(comparator)
  const result = paginate(docs, args)
  result.docs = result.docs.map((doc) => applySelect(doc, namespace.fields, args.select))
  return result
}
