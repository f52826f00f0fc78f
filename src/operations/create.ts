import type { Create } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace, keyOf } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { readTogether } from '../storage/readTogether.js'
import { activeTransaction } from '../transactions/session.js'
import { newDocumentID, suppliedID } from '../utilities/newDocumentID.js'
import { assertIDFree } from '../write/duplicateID.js'
import { performWrite } from '../write/performWrite.js'
import { shiftedStamps } from '../write/replayStamp.js'
import { returnedCopy } from '../write/returnedCopy.js'
import { assertReferencesExist, transformWrite } from '../write/transformWrite.js'

export const create: Create = async function create(
  this: DynamoDBAdapter,
  { collection, customID, data, req, returning, select },
) {
  const namespace = collectionNamespace(this, collection)
  const id = newDocumentID(this, namespace, data, customID)
  const now = new Date().toISOString()
  const { data: stored, references } = transformWrite(this, namespace, data, 'create')
  // In a transaction, the related documents and the unique values are read in one request
  // (the references check starts now, the uniqueness check in performWrite joins it).
  const read = activeTransaction() ? readTogether(this) : undefined
  const referencesExist = assertReferencesExist(this, {
    collection,
    read,
    references,
    req,
    selfID: id,
  })
  const doc: Record<string, unknown> = { ...stored, id }
  if (namespace.timestamps) {
    doc.createdAt = stored.createdAt ?? now
    doc.updatedAt = stored.updatedAt ?? now
  }
  const change = { after: doc, before: null, key: keyOf(namespace, id), namespace }
  // A chosen id may be taken (a generated one is not): in a transaction, refused now.
  const transaction = activeTransaction()
  const idFree =
    transaction && read && suppliedID(this, namespace, data, customID) !== undefined
      ? assertIDFree(transaction, change, read, req)
      : undefined

  await performWrite(
    this,
    // Stamped again when a transaction's commit runs again over a save made meanwhile.
    async () => [{ ...change, after: shiftedStamps(this, namespace, null, doc) }],
    req,
    idFree ? Promise.all([referencesExist, idFree]).then(() => undefined) : referencesExist,
    read,
  )
  if (returning === false) {
    return null as never
  }
  return applySelect(returnedCopy(doc), namespace.fields, select) as never
}
