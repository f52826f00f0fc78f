import type { PayloadRequest } from 'payload'

import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { repeatedUniqueValues } from '../indexes/entries.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'
import { uniqueValueError } from './uniqueValueError.js'

/**
 * Refuses a write that gives one document the same unique value in two of its rows (as the SQL
 * adapters do), unless the document already held that repetition (stored before this check):
 * such a document can still be changed.
 */
export function assertNoRepeatedUniqueValues(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  req?: Partial<PayloadRequest>,
): void {
  const locales = localeCodes(adapter)
  for (const change of changes) {
    const { after, before, namespace } = change
    if (!after || namespace.kind !== 'collection') {
      continue
    }
    const definitions = maintainedIndexes(adapter, namespace)
    const repeated = repeatedUniqueValues(definitions, locales, after)
    const already = before ? new Set(repeatedUniqueValues(repeated, locales, before)) : new Set()
    const refused = repeated.filter((definition) => !already.has(definition))
    if (refused.length > 0) {
      throw uniqueValueError([change], refused, req)
    }
  }
}
