import type { PayloadRequest } from 'payload'

import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { repeatedUniqueValues } from '../indexes/repeatedUniques.js'
import { globalRowUniques, uniqueWithinValue } from '../indexes/definitions.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'
import { newMarkers } from './changeActions.js'
import { uniqueValueError } from './uniqueValueError.js'

/**
 * Refuses a write that gives one document (of a collection, or a global) the same unique value in
 * two of its rows or twice in one hasMany relationship (as the SQL adapters do), unless the
 * document already held that repetition (stored before this check): such a document can still be
 * changed.
 */
export function assertNoRepeatedUniqueValues(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  req?: Partial<PayloadRequest>,
): void {
  const locales = localeCodes(adapter)
  for (const change of changes) {
    const { after, before, namespace } = change
    if (!after || (namespace.kind !== 'collection' && namespace.kind !== 'global')) {
      continue
    }
    const definitions =
      namespace.kind === 'global'
        ? globalRowUniques(adapter, namespace)
        : maintainedIndexes(adapter, namespace)
    const withinValue = uniqueWithinValue(adapter, namespace)
    const repeated = repeatedUniqueValues(definitions, locales, after, withinValue)
    const already = before
      ? new Set(repeatedUniqueValues(repeated, locales, before, withinValue))
      : new Set()
    const refused = repeated.filter((definition) => !already.has(definition))
    if (refused.length > 0) {
      throw uniqueValueError([change], refused, req)
    }
  }
}

/**
 * Refuses a write that gives two of its documents the same new unique value (a bulk update setting
 * one value on several documents): as in SQL, the second is refused, and here nothing is written.
 * DynamoDB would refuse the transaction outright (two actions on one marker item).
 */
export function assertNoSharedNewUniqueValues(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  req?: Partial<PayloadRequest>,
): void {
  if (changes.length < 2) {
    return
  }
  const claimed = new Set<string>()
  for (const change of changes) {
    for (const marker of newMarkers(adapter, change)) {
      const name = `${marker.pk}\u0000${marker.sk}`
      if (claimed.has(name)) {
        throw uniqueValueError([change], [marker.definition], req)
      }
      claimed.add(name)
    }
  }
}
