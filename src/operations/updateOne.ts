import type { UpdateOne } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { findPage } from '../read/findPage.js'
import { insertionOrder } from '../read/insertionOrder.js'
import { resolveJoins } from '../read/resolveJoins.js'
import { updateDocuments } from '../write/writeUpdate.js'
import { upsertOne } from './upsert.js'
import { narrowedTo } from '../write/statementRows.js'

export const updateOne: UpdateOne = async function updateOne(this: DynamoDBAdapter, args) {
  const { id, collection, data, joins, locale, options, req, returning, select, where } = args
  if (options?.upsert === true) {
    // As the official adapters: `upsert` creates the document when nothing matches.
    return upsertOne(this, { ...args, where: where ?? {} }) as never
  }
  const namespace = collectionNamespace(this, collection)
  const [updated] = await updateDocuments(
    this,
    namespace,
    async (onlyIDs) =>
      (
        await findPage(this, namespace, {
          limit: 1,
          locale,
          pagination: false,
          sort: insertionOrder(namespace),
          where: narrowedTo(id !== undefined ? { id: { equals: id } } : where, onlyIDs),
        })
      ).docs,
    data,
    req,
  )
  if (!updated || returning === false) {
    return null as never
  }
  const doc = applySelect(updated, namespace.fields, select)
  // Like the official adapters, an update resolves joins only when asked to.
  await resolveJoins(this, { collection, docs: [doc], joins: joins ?? false, locale, select })
  return doc as never
}
