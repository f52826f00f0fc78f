import { APIError } from 'payload'

import type { IndexDefinition } from './definitionTypes.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { indexEntries } from './entries.js'
import { maintainedIndexes } from './indexRecord.js'
import { localeCodes } from './registry.js'

/** The indexes holding the most entries of `doc`, for a message: "tags (1000 entries)". */
export function largestIndexes(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  doc: Doc,
): string {
  const locales = localeCodes(adapter)
  return definitions
    .map((definition) => ({
      entries: indexEntries(namespace, [definition], locales, doc).length,
      name: definition.name,
    }))
    .filter(({ entries }) => entries > 1)
    .sort((x, y) => y.entries - x.entries)
    .slice(0, 3)
    .map(({ entries, name }) => `${name} (${entries} entries)`)
    .join(', ')
}

/**
 * A document whose items (the document, an index entry per value of each indexed field, a value
 * count per value, unique markers) do not fit one DynamoDB transaction: refused as a whole,
 * since storing it with some entries left out would hide it from the queries they serve.
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
    `A document of ${namespace.slug} (${String(doc.id)}) needs ${items} items in one DynamoDB transaction, which holds at most ${capacity}: every value of an indexed field is an index entry (and a value count) written with the document${largest ? `; the largest: ${largest}` : ''}. Nothing was written. Store fewer values in those fields (hasMany fields, or fields in arrays and blocks; relationship and upload fields are always indexed), or remove their index.`,
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
