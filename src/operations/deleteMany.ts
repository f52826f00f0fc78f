import type { DeleteMany } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { matchDocuments } from '../execute/matchDocuments.js'
import { collectionNamespace, keyOf } from '../namespaces.js'
import { transactWrite } from '../transactions/transactWrite.js'

export const deleteMany: DeleteMany = async function deleteMany(
  this: DynamoDBAdapter,
  { collection, where },
) {
  const namespace = collectionNamespace(this, collection)
  const docs = await matchDocuments(this, namespace, { where })
  await transactWrite(
    this,
    docs.map((doc) => ({ key: keyOf(namespace, doc.id as number | string), type: 'delete' as const })),
  )
}
