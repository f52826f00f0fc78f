import { APIError } from 'payload'

import type { IndexDefinition } from './definitionTypes.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { indexEntries, maxEntriesPerIndex, uniqueMarkers } from './entries.js'
import { maintainedIndexes } from './indexRecord.js'
import { localeCodes } from './registry.js'

/**
 * The indexes holding the most items of `doc` (entries, and markers of unique ones), for a
 * message: "codes.code (151 items)".
 */
export function largestIndexes(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  doc: Doc,
): string {
  const locales = localeCodes(adapter)
  return definitions
    .map((definition) => ({
      items:
        indexEntries(namespace, [definition], locales, doc).length +
        uniqueMarkers(namespace, [definition], locales, doc).length,
      name: definition.name,
    }))
    .filter(({ items }) => items > 1)
    .sort((x, y) => y.items - x.items)
    .slice(0, 3)
    .map(({ items, name }) => `${name} (${items} items)`)
    .join(', ')
}

/**
 * A document change whose own items (the document, the value counts it moves, a marker per
 * unique value) do not fit one DynamoDB transaction: refused as a whole, since storing it with
 * some markers or counts left out would let a taken value be taken again, or miscount it. Its
 * index entries may go in requests of their own (write/splitGroup.ts), so they are not counted.
 */
export function oversizedDocument(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  doc: Doc,
  items: number,
  capacity: number,
): APIError {
  const largest = largestIndexes(adapter, namespace, definitions, doc)
  return new APIError(
    `A document of ${namespace.slug} (${String(doc.id)}) needs ${items} items in one DynamoDB transaction, which holds at most ${capacity}: each unique value is a marker, and each value of an indexed field that it adds or removes a value count (up to ${maxEntriesPerIndex()} per field), all written with the document (its index entries may go in requests of their own)${largest ? `; the largest: ${largest}` : ''}. Nothing was written. Store fewer values in those fields (hasMany fields, or fields in arrays and blocks; relationship and upload fields are always indexed), or remove their unique or index.`,
    400,
  )
}

/** `oversizedDocument` for the largest of the documents that must go in one transaction. */
export function oversizedUnit(
  adapter: DynamoDBAdapter,
  unit: { actions: unknown[]; change: DocumentChange }[],
  items: number,
  capacity: number,
): APIError {
  const { change } = unit.reduce((largest, member) =>
    member.actions.length > largest.actions.length ? member : largest,
  )
  return oversizedDocument(
    adapter,
    change.namespace,
    maintainedIndexes(adapter, change.namespace),
    (change.after ?? change.before) as Doc,
    items,
    capacity,
  )
}
