import type { IndexPart } from './definitionTypes.js'

/**
 * Whether a stored value is of the kind an index part keys, so that its key matches and orders
 * it as the documents compare it (query/sqlValues.ts). A value stored before the field's type
 * changed in the config is not: '5' in a field that is a number now, a list in a field no longer
 * `hasMany`, a map of locales in a field no longer localized. Its key would coerce it ('5' to 5,
 * the list to its elements) and the index would answer otherwise than the documents, so such a
 * document has an overflow entry in the index instead (entries.ts), which sends the index's
 * queries to the documents until it is saved in the new type.
 */
export function fitsIndexKind(part: Pick<IndexPart, 'kind'>, value: unknown): boolean {
  // An empty text is keyed as null in every kind but text (as before): Payload stores `''` for a
  // date left empty, which is no value of another type.
  if (value === undefined || value === null || value === '') {
    return true
  }
  switch (part.kind) {
    case 'boolean':
      return typeof value === 'boolean'
    case 'date':
      // The documents compare a date as its instant; text that is no date stays text there.
      return typeof value === 'string' && Number.isFinite(Date.parse(value))
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'point': {
      const coordinates = Array.isArray(value)
        ? value
        : typeof value === 'object'
          ? (value as { coordinates?: unknown }).coordinates
          : undefined
      return Array.isArray(coordinates)
    }
    case 'polymorphic':
      return (
        typeof value === 'object' &&
        typeof (value as { relationTo?: unknown }).relationTo === 'string'
      )
    case 'relationship':
      return (
        typeof value === 'number' ||
        typeof value === 'string' ||
        (typeof value === 'object' && 'id' in value)
      )
    default:
      return typeof value === 'string'
  }
}

/**
 * The values of one part at its stored path (leaf lists spread into their elements for a
 * `hasMany` part), or undefined when one does not fit the part's kind (`fitsIndexKind`), or is a
 * list where the part holds one value.
 */
export function fittingValues(
  part: Pick<IndexPart, 'kind' | 'multiValued'>,
  leaves: unknown[],
): unknown[] | undefined {
  const values: unknown[] = []
  for (const leaf of leaves) {
    if (Array.isArray(leaf) && part.kind !== 'point') {
      if (!part.multiValued) {
        return undefined
      }
      values.push(...leaf)
    } else {
      values.push(leaf)
    }
  }
  return values.every((value) => fitsIndexKind(part, value)) ? values : undefined
}
