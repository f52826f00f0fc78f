import type { Find } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../read/findPage.js'
import { resolveJoins } from '../read/resolveJoins.js'
import { collectionNamespace, getCollectionConfig } from '../namespaces.js'

export const find: Find = async function find(
  this: DynamoDBAdapter,
  { collection, draftsEnabled, joins, limit, locale, page, pagination, select, sort, where },
) {
  const namespace = collectionNamespace(this, collection)
  const result = await findPage(this, namespace, {
    limit,
    locale,
    page,
    pagination,
    select,
    sort: sort ?? getCollectionConfig(this, collection).defaultSort,
    where,
  })
  await resolveJoins(this, { collection, docs: result.docs, draftsEnabled, joins, locale, select })
  return result as never
}
