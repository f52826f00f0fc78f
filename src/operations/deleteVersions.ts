import type { DeleteVersions } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { matchDocuments } from '../execute/matchDocuments.js'
import { globalVersionsNamespace, keyOf, versionsNamespace } from '../namespaces.js'
import { transactWrite } from '../transactions/transactWrite.js'

export const deleteVersions: DeleteVersions = async function deleteVersions(
  this: DynamoDBAdapter,
  { collection, globalSlug, locale, where },
) {
  const namespace = collection
    ? versionsNamespace(this, collection)
    : globalVersionsNamespace(this, globalSlug as string)
  const docs = await matchDocuments(this, namespace, { locale, where })
  await transactWrite(
    this,
    docs.map((doc) => ({ key: keyOf(namespace, doc.id as string), type: 'delete' as const })),
  )
}
