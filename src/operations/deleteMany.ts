import type { DeleteMany } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace } from '../namespaces.js'
import { matchDocuments } from '../read/matchDocuments.js'
import { deleteDocuments } from '../write/deleteDocuments.js'

export const deleteMany: DeleteMany = async function deleteMany(
  this: DynamoDBAdapter,
  { collection, req, where },
) {
  const namespace = collectionNamespace(this, collection)
  await deleteDocuments(this, namespace, () => matchDocuments(this, namespace, { where }), req)
}
