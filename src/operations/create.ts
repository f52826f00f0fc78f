import type { Create } from 'payload'

import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace, keyOf } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { putDocument } from '../storage/documentStore.js'
import { isConditionFailure } from '../utilities/errors.js'
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

  try {
    await putDocument(this, keyOf(namespace, id), doc, 'mustNotExist')
  } catch (error) {
    if (isConditionFailure(error)) {
      throw new ValidationError({
        collection,
        errors: [{ message: `A document with id "${id}" already exists.`, path: 'id' }],
        req,
      })
    }
    throw error
  }
  if (returning === false) {
    return null as never
  }
  return applySelect(doc, namespace.fields, select) as never
}
