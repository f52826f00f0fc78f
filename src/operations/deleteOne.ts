import type { DeleteOne } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { findPage } from '../read/findPage.js'
import { insertionOrder } from '../read/insertionOrder.js'
import { deleteDocuments } from '../write/deleteDocuments.js'
import { narrowedTo } from '../write/statementRows.js'

export const deleteOne: DeleteOne = async function deleteOne(
  this: DynamoDBAdapter,
  { collection, req, returning, select, where },
) {
  const namespace = collectionNamespace(this, collection)
  const [doc] = await deleteDocuments(
    this,
    namespace,
    async (onlyIDs) =>
      (
        await findPage(this, namespace, {
          limit: 1,
          // A localized `where` is judged in the request's locale, as the official adapters do.
          locale: req?.locale ?? undefined,
          pagination: false,
          sort: insertionOrder(namespace),
          where: narrowedTo(where, onlyIDs),
        })
      ).docs,
    req,
  )
  if (!doc || returning === false) {
    return null
  }
  return applySelect(doc, namespace.fields, select)
}
