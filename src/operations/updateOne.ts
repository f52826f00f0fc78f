import type { UpdateOne } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../read/findPage.js'
import { resolveJoins } from '../read/resolveJoins.js'
import { writeUpdate } from '../write/writeUpdate.js'
import { collectionNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'

export const updateOne: UpdateOne = async function updateOne(
  this: DynamoDBAdapter,
  { id, collection, data, joins, locale, req, returning, select, where },
) {
  const namespace = collectionNamespace(this, collection)
  const {
    docs: [existing],
  } = await findPage(this, namespace, {
    limit: 1,
    locale,
    pagination: false,
    where: id !== undefined ? { id: { equals: id } } : where,
  })
  if (!existing) {
    return null as never
  }
  const updated = await writeUpdate(this, namespace, existing, data, req)
  if (returning === false) {
    return null as never
  }
  const doc = applySelect(updated, namespace.fields, select)
  // Like the official adapters, an update resolves joins only when asked to.
  await resolveJoins(this, { collection, docs: [doc], joins: joins ?? false, locale, select })
  return doc as never
}
