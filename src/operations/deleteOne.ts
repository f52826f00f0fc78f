import type { DeleteOne } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { findPage } from '../read/findPage.js'
import { deleteDocuments } from '../write/deleteDocuments.js'

export const deleteOne: DeleteOne = async function deleteOne(
  this: DynamoDBAdapter,
  { collection, req, returning, select, where },
) {
  const namespace = collectionNamespace(this, collection)
  const [doc] = await deleteDocuments(
    this,
    namespace,
    // The first match in insertion order, as db-sqlite (rowid) and db-mongodb (natural order).
    async () =>
      (await findPage(this, namespace, { limit: 1, pagination: false, sort: 'createdAt', where }))
        .docs,
    req,
  )
  if (!doc || returning === false) {
    return null
  }
  return applySelect(doc, namespace.fields, select)
}
