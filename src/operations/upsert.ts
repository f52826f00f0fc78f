import type { Upsert, UpsertArgs } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { resolveJoins } from '../read/resolveJoins.js'
import { upsertDocument } from '../write/writeUpsert.js'

/**
 * Updates the first document matching `where`, or creates one from `data` when none matches.
 * Upserts racing on one `where` end with one document (see `upsertDocument`).
 */
export const upsert: Upsert = function upsert(this: DynamoDBAdapter, args) {
  return upsertOne(this, args)
}

/** `upsert`, also by id (`updateOne` with `upsert: true`): a document created gets that id. */
export async function upsertOne(
  adapter: DynamoDBAdapter,
  {
    id,
    collection,
    data,
    joins,
    locale,
    req,
    returning,
    select,
    where,
  }: { id?: number | string } & UpsertArgs,
) {
  const namespace = collectionNamespace(adapter, collection)
  const stored = await upsertDocument(adapter, namespace, { id, data, locale, req, where })
  if (returning === false) {
    return null as never
  }
  const doc = applySelect(stored, namespace.fields, select)
  // Like the official adapters, an upsert resolves joins only when asked to.
  await resolveJoins(adapter, { collection, docs: [doc], joins: joins ?? false, locale, select })
  return doc as never
}
