import type { Doc } from '../query/types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { localesFor, storedValues, uniqueValue } from './entries.js'

/** Kinds whose `hasMany` values are rows of their own in db-sqlite, unique by value and path. */
const ROW_PER_VALUE_KINDS: ReadonlySet<string> = new Set(['polymorphic', 'relationship'])

/**
 * Unique indexes for which one document holds the same value twice, per locale: in two rows (of
 * an array or of blocks), or twice in one `hasMany` relationship. The SQL adapters refuse both
 * (their unique index spans the rows' table; a relationship's rows are unique by id and path),
 * while a marker alone could not tell (it belongs to the document either way). hasMany text and
 * number fields cannot be unique on db-sqlite; their values are not compared with each other.
 */
export function repeatedUniqueValues(
  definitions: IndexDefinition[],
  locales: string[],
  doc: Doc,
): IndexDefinition[] {
  return definitions.filter(
    (definition) =>
      definition.unique &&
      definition.parts.length === 1 &&
      definition.parts[0].multiValued &&
      localesFor(definition, locales).some((locale) => {
        const part = definition.parts[0]
        const repeats = (values: unknown[]) => {
          const keys = values
            .filter((value) => value !== undefined && value !== null)
            .map((value) => uniqueValue(part, value))
            .filter((value) => value !== null)
          return new Set(keys).size < keys.length
        }
        const values = storedValues(doc, part, locale)
        // One value per row; a hasMany value (an array) is one row's, compared within itself.
        return (
          repeats(values.filter((value) => !Array.isArray(value))) ||
          (ROW_PER_VALUE_KINDS.has(part.kind) &&
            values.some((value) => Array.isArray(value) && repeats(value)))
        )
      }),
  )
}
