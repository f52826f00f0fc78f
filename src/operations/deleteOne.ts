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
    async () => (await findPage(this, namespace, { limit: 1, pagination: false, where })).docs,
    req,
  )
  if (!doc || returning === false) {
    return null
  }
  return applySelect(doc, namespace.fields, select)
}
