import { isDate } from 'node:util/types'

import type { FlattenedField, Sort } from 'payload'

import type { DocID } from '../../query/types.js'
import type { LocaleReading } from './fieldPaths.js'

import { valuesAtPath } from './fieldPaths.js'

/** A document found for a join, as the sort across collections sees it. */
export type SortableEntry = {
  fields: FlattenedField[]
  id: DocID
  /** The document's content (a draft's `version` for drafts). */
  view: Record<string, unknown>
}

/**
 * Orders the documents of a polymorphic join, which come from several collections, on the sort
 * paths they share. Missing values sort first ascending (last descending), as SQL's NULLs do in
 * SQLite and missing fields do in MongoDB; numbers compare as numbers, everything else as text.
 */
export function crossCollectionComparator(
  sort: Sort,
  reading: LocaleReading,
): (a: SortableEntry, b: SortableEntry) => number {
  const keys = (Array.isArray(sort) ? sort : [sort])
    .filter((key): key is string => typeof key === 'string' && key.length > 0)
    .map((key) =>
      key.startsWith('-') ? { direction: -1, path: key.slice(1) } : { direction: 1, path: key },
    )
  // Several values (array rows, hasMany): the smallest ascending, the largest descending, as
  // the sort of one collection (compileSort.ts).
  const valueOf = (entry: SortableEntry, path: string, direction: number): unknown => {
    if (path === 'id') {
      return entry.id
    }
    return valuesAtPath(entry.view, entry.fields, path, reading).reduce<unknown>(
      (best, value) =>
        value === undefined || value === null
          ? best
          : best === undefined || compareValues(value, best) * direction < 0
            ? value
            : best,
      undefined,
    )
  }
  return (a, b) => {
    for (const { direction, path } of keys) {
      const order = compareValues(valueOf(a, path, direction), valueOf(b, path, direction))
      if (order !== 0) {
        return order * direction
      }
    }
    return 0
  }
}

function compareValues(a: unknown, b: unknown): number {
  const aMissing = a === undefined || a === null
  const bMissing = b === undefined || b === null
  if (aMissing || bMissing) {
    return aMissing === bMissing ? 0 : aMissing ? -1 : 1
  }
  if (typeof a === 'number' && typeof b === 'number') {
    return a - b
  }
  // SQLite's order, which db-sqlite's combined rows follow: every number before any text (ids of
  // a collection with number ids before those of one with text ids).
  if (typeof a === 'number' || typeof b === 'number') {
    return typeof a === 'number' ? -1 : 1
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') {
    return Number(a) - Number(b)
  }
  const aText = isDate(a) ? a.toISOString() : String(a)
  const bText = isDate(b) ? b.toISOString() : String(b)
  return aText < bText ? -1 : aText > bText ? 1 : 0
}
