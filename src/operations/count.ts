import type { Count } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { countDocuments } from '../read/matchDocuments.js'
import { collectionNamespace } from '../namespaces.js'

export const count: Count = async function count(
  this: DynamoDBAdapter,
  { collection, locale, where },
) {
  const totalDocs = await countDocuments(this, collectionNamespace(this, collection), {
    locale,
    where,
  })
  return { totalDocs }
}
