import type { FindOne } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../read/findPage.js'
import { resolveJoins } from '../read/resolveJoins.js'
import { collectionNamespace } from '../namespaces.js'

export const findOne: FindOne = async function findOne(
  this: DynamoDBAdapter,
  { collection, draftsEnabled, joins, locale, select, where },
) {
  const namespace = collectionNamespace(this, collection)
  const { docs } = await findPage(this, namespace, {
    limit: 1,
    locale,
    pagination: false,
    select,
    where,
  })
  await resolveJoins(this, { collection, docs, draftsEnabled, joins, locale, select })
  return (docs[0] ?? null) as never
}
