import type { Create } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { writeDocuments } from '../execute/documentWrites.js'
import { collectionNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { newDocumentID } from '../utilities/newDocumentID.js'

export const create: Create = async function create(
  this: DynamoDBAdapter,
  { collection, customID, data, req, returning, select },
) {
  const namespace = collectionNamespace(this, collection)
  const id = newDocumentID(this, namespace, data, customID)
  const now = new Date().toISOString()
  const doc: Record<string, unknown> = { ...data, id }
  if (namespace.timestamps) {
    doc.createdAt = data.createdAt ?? now
    doc.updatedAt = data.updatedAt ?? now
  }

  await writeDocuments(this, namespace, [{ after: doc, before: null }], req)
  if (returning === false) {
    return null as never
  }
  return applySelect(doc, namespace.fields, select) as never
}
