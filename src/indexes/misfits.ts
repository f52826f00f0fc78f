import { APIError } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { localesFor, partValues } from './entries.js'

/**
 * The indexes in which `doc` holds a value stored in another type than the index keys now
 * (storedKinds.ts): saved before the field's type changed in the config.
 */
export function misfitIndexes(
  definitions: IndexDefinition[],
  locales: string[],
  doc: Doc,
): IndexDefinition[] {
  return definitions.filter((definition) =>
    localesFor(definition, locales).some((locale) =>
      definition.parts.some((part) => partValues(doc, part, locale) === undefined),
    ),
  )
}

/** The documents a build found holding such values, by index name (a few ids and how many). */
export class Misfits {
  private readonly found = new Map<string, { count: number; ids: string[] }>()

  note(definitions: IndexDefinition[], locales: string[], docs: Doc[]): void {
    for (const doc of docs) {
      for (const definition of misfitIndexes(definitions, locales, doc)) {
        const entry = this.found.get(definition.name) ?? { count: 0, ids: [] }
        entry.count++
        if (entry.ids.length < 20) {
          entry.ids.push(String(doc.id))
        }
        this.found.set(definition.name, entry)
      }
    }
  }

  /**
   * Refuses the build when any was found: an index must answer as the documents compare, and
   * its keys would coerce those values. The build stops as one over duplicate values does (409,
   * the index not built, so its queries read the documents).
   */
  assertNone(namespace: Namespace): void {
    const [first] = this.found
    if (!first) {
      return
    }
    const [name, { count, ids }] = first
    const paths = name.split('+').join(', ')
    throw new APIError(
      `Cannot build the index "${name}" of ${namespace.kind} "${namespace.slug}": ${count} document(s) hold a value of ${paths} in another type than the field has now (saved before its type changed: text in a number field, a list in a field no longer hasMany, locales in a field no longer localized). Queries on it read the whole ${namespace.kind} meanwhile, which answers right. Save those documents in the field's new type (docs/migrations.md, "Changing a field's type"), then build again. Documents: ${ids.join(', ')}${count > ids.length ? ', ...' : ''}`,
      409,
      { misfits: [...this.found].map(([index, entry]) => ({ index, ...entry })) },
      true,
    )
  }
}
