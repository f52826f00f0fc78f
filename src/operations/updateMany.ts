import type { UpdateMany } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace, getCollectionConfig } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { findPage } from '../read/findPage.js'
import { updateDocuments } from '../write/writeUpdate.js'
import { narrowedTo } from '../write/statementRows.js'

export const updateMany: UpdateMany = async function updateMany(
  this: DynamoDBAdapter,
  { collection, data, limit, locale, req, returning, select, sort, where },
) {
  const namespace = collectionNamespace(this, collection)
  const updated = await updateDocuments(
    this,
    namespace,
    async (onlyIDs) =>
      (
        await findPage(this, namespace, {
          limit: limit && limit > 0 ? limit : 0,
          locale,
          pagination: false,
          sort: sort ?? getCollectionConfig(this, collection).defaultSort,
          where: narrowedTo(where, onlyIDs),
        })
      ).docs,
    data,
    req,
  )
  if (returning === false) {
    return null
  }
  return updated.map((doc) => applySelect(doc, namespace.fields, select))
}
