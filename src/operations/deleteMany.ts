import type { DeleteMany } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace } from '../namespaces.js'
import { matchDocuments } from '../read/matchDocuments.js'
import { deleteDocuments } from '../write/deleteDocuments.js'
import { narrowedTo } from '../write/statementRows.js'

export const deleteMany: DeleteMany = async function deleteMany(
  this: DynamoDBAdapter,
  { collection, req, where },
) {
  const namespace = collectionNamespace(this, collection)
  // A localized `where` is judged in the request's locale, as the official adapters do.
  const locale = req?.locale ?? undefined
  await deleteDocuments(
    this,
    namespace,
    (onlyIDs) => matchDocuments(this, namespace, { locale, where: narrowedTo(where, onlyIDs) }),
    req,
  )
}
