import type { DeleteMany } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { matchDocuments } from '../read/matchDocuments.js'
import { writeDocuments } from '../write/documentWrites.js'
import { collectionNamespace } from '../namespaces.js'

export const deleteMany: DeleteMany = async function deleteMany(
  this: DynamoDBAdapter,
  { collection, req, where },
) {
  const namespace = collectionNamespace(this, collection)
  const docs = await matchDocuments(this, namespace, { where })
  await writeDocuments(
    this,
    namespace,
    docs.map((before) => ({ after: null, before })),
    req,
  )
}
