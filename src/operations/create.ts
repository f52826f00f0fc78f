import type { Create } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace, keyOf } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { newDocumentID } from '../utilities/newDocumentID.js'
import { performWrite } from '../write/performWrite.js'
import { assertReferencesExist, transformWrite } from '../write/transformWrite.js'

export const create: Create = async function create(
  this: DynamoDBAdapter,
  { collection, customID, data, req, returning, select },
) {
  const namespace = collectionNamespace(this, collection)
  const id = newDocumentID(this, namespace, data, customID)
  const now = new Date().toISOString()
  const { data: stored, references } = transformWrite(this, namespace, data, 'create')
  // Sent beside the uniqueness check of a transaction (see performWrite).
  const referencesExist = assertReferencesExist(this, { collection, references, req, selfID: id })
  const doc: Record<string, unknown> = { ...stored, id }
  if (namespace.timestamps) {
    doc.createdAt = stored.createdAt ?? now
    doc.updatedAt = stored.updatedAt ?? now
  }

  await performWrite(
    this,
    async () => [{ after: doc, before: null, key: keyOf(namespace, id), namespace }],
    req,
    referencesExist,
  )
  if (returning === false) {
    return null as never
  }
  return applySelect(doc, namespace.fields, select) as never
}
