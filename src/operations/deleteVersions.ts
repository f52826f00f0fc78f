import type { DeleteVersions } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { globalVersionsNamespace, versionsNamespace } from '../namespaces.js'
import { matchDocuments } from '../read/matchDocuments.js'
import { deleteDocuments } from '../write/deleteDocuments.js'
import { narrowedTo } from '../write/statementRows.js'

export const deleteVersions: DeleteVersions = async function deleteVersions(
  this: DynamoDBAdapter,
  { collection, globalSlug, locale, req, where },
) {
  const namespace = collection
    ? versionsNamespace(this, collection)
    : globalVersionsNamespace(this, globalSlug as string)
  await deleteDocuments(
    this,
    namespace,
    (onlyIDs) => matchDocuments(this, namespace, { locale, where: narrowedTo(where, onlyIDs) }),
    req,
  )
}
