import type { Doc } from '../query/types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { localesFor, storedValues, uniqueValue } from './entries.js'

/**
 * Unique indexes for which one document holds the same value twice, per locale: in two rows (of
 * an array or of blocks), or twice in one `hasMany` relationship whose path is in `withinValue`
 * (definitions.ts `uniqueWithinValue`: outside arrays and blocks). The SQL adapters refuse both
 * (their unique index spans the rows' table; a relationship's rows are unique by id and path),
 * while a marker alone could not tell (it belongs to the document either way). hasMany text and
 * number fields cannot be unique on db-sqlite; their values are not compared with each other.
 */
export function repeatedUniqueValues(
  definitions: IndexDefinition[],
  locales: string[],
  doc: Doc,
  withinValue: ReadonlySet<string> = new Set(),
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
          (withinValue.has(part.path) &&
            values.some((value) => Array.isArray(value) && repeats(value)))
        )
      }),
  )
}
