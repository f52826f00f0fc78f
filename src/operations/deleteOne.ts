import type { DeleteOne } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../execute/findPage.js'
import { collectionNamespace, keyOf } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { deleteDocument } from '../storage/documentStore.js'

export const deleteOne: DeleteOne = async function deleteOne(
  this: DynamoDBAdapter,
  { collection, returning, select, where },
) {
  const namespace = collectionNamespace(this, collection)
  const {
    docs: [doc],
  } = await findPage(this, namespace, { limit: 1, pagination: false, where })
  if (!doc) {
    return null
  }
  await deleteDocument(this, keyOf(namespace, doc.id as number | string))
  if (returning === false) {
    return null
  }
  return applySelect(doc, namespace.fields, select)
}
