import type { DeleteVersions } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { matchDocuments } from '../read/matchDocuments.js'
import { writeDocuments } from '../write/documentWrites.js'
import { globalVersionsNamespace, versionsNamespace } from '../namespaces.js'

export const deleteVersions: DeleteVersions = async function deleteVersions(
  this: DynamoDBAdapter,
  { collection, globalSlug, locale, req, where },
) {
  const namespace = collection
    ? versionsNamespace(this, collection)
    : globalVersionsNamespace(this, globalSlug as string)
  const docs = await matchDocuments(this, namespace, { locale, where })
  await writeDocuments(
    this,
    namespace,
    docs.map((before) => ({ after: null, before })),
    req,
  )
}
