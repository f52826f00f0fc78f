import type { DeleteOne } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../read/findPage.js'
import { writeDocuments } from '../write/documentWrites.js'
import { collectionNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'

export const deleteOne: DeleteOne = async function deleteOne(
  this: DynamoDBAdapter,
  { collection, req, returning, select, where },
) {
  const namespace = collectionNamespace(this, collection)
  const {
    docs: [doc],
  } = await findPage(this, namespace, { limit: 1, pagination: false, where })
  if (!doc) {
    return null
  }
  await writeDocuments(this, namespace, [{ after: null, before: doc }], req)
  if (returning === false) {
    return null
  }
  return applySelect(doc, namespace.fields, select)
}
