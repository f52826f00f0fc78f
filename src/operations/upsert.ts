import type { Upsert } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { collectionNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { resolveJoins } from '../read/resolveJoins.js'
import { upsertDocument } from '../write/writeUpsert.js'

/**
 * Updates the first document matching `where`, or creates one from `data` when none matches.
 * Upserts racing on one `where` end with one document (see `upsertDocument`).
 */
export const upsert: Upsert = async function upsert(
  this: DynamoDBAdapter,
  { collection, data, joins, locale, req, returning, select, where },
) {
  const namespace = collectionNamespace(this, collection)
  const stored = await upsertDocument(this, namespace, { data, locale, req, where })
  if (returning === false) {
    return null as never
  }
  const doc = applySelect(stored, namespace.fields, select)
  // Like the official adapters, an upsert resolves joins only when asked to.
  await resolveJoins(this, { collection, docs: [doc], joins: joins ?? false, locale, select })
  return doc as never
}
