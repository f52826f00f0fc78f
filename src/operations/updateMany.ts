import type { UpdateMany } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../read/findPage.js'
import { writeUpdates } from '../write/writeUpdate.js'
import { collectionNamespace, getCollectionConfig } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'

export const updateMany: UpdateMany = async function updateMany(
  this: DynamoDBAdapter,
  { collection, data, limit, locale, req, returning, select, sort, where },
) {
  const namespace = collectionNamespace(this, collection)
  const { docs } = await findPage(this, namespace, {
    limit: limit && limit > 0 ? limit : 0,
    locale,
    pagination: false,
    sort: sort ?? getCollectionConfig(this, collection).defaultSort,
    where,
  })
  const updated = await writeUpdates(this, namespace, docs, data, req)
  if (returning === false) {
    return null
  }
  return updated.map((doc) => applySelect(doc, namespace.fields, select))
}
