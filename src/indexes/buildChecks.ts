import { APIError } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { iteratePartition } from '../storage/documentStore.js'
import { storedValues, uniqueMarkers } from './entries.js'
import { Misfits } from './misfits.js'
import { localeCodes } from './registry.js'

/**
 * A unique index cannot be built over data that holds the same value twice; with `misfits`, nor
 * over values stored in another type than the index keys now (checked in the same pass, before
 * an index's old shape is dropped: its build would fail on them with the old shape gone).
 */
export async function assertNoDuplicates(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  options: { misfits?: boolean } = {},
): Promise<void> {
  const unique = definitions.filter((definition) => definition.unique)
  if (unique.length === 0 && !options.misfits) {
    return
  }
  const locales = localeCodes(adapter)
  const misfits = new Misfits()
  const holders = new Map<string, { definition: IndexDefinition; ids: string[]; value: string }>()
  for await (const page of iteratePartition(adapter, namespace.pk)) {
    if (options.misfits) {
      misfits.note(definitions, locales, page.docs)
    }
    for (const doc of page.docs) {
      for (const marker of uniqueMarkers(namespace, unique, locales, doc)) {
        const name = `${marker.pk}\u0000${marker.sk}`
        const holder = holders.get(name) ?? {
          definition: marker.definition,
          ids: [],
          value: describeValue(doc, marker.definition),
        }
        holder.ids.push(String(doc.id))
        holders.set(name, holder)
      }
    }
  }
  const duplicates = [...holders.values()].filter((holder) => holder.ids.length > 1)
  if (duplicates.length > 0) {
    const lines = duplicates
      .slice(0, 20)
      .map(
        (dup) =>
          `${dup.definition.parts.map((part) => part.path).join(', ')} = ${dup.value}: documents ${dup.ids.join(', ')}`,
      )
    throw new APIError(
      `Cannot build the unique index "${duplicates[0].definition.name}" of ${namespace.kind} "${namespace.slug}": ${duplicates.length} value(s) are held by more than one document. Nothing was changed. Make the values unique, then build again.\n${lines.join('\n')}`,
      409,
      { duplicates: duplicates.map(({ ids, value }) => ({ ids, value })) },
      true,
    )
  }
  misfits.assertNone(namespace)
}

function describeValue(doc: Doc, definition: IndexDefinition): string {
  return definition.parts
    .map((part) =>
      JSON.stringify(
        storedValues(doc, part, undefined)
          .flat()
          .filter((v) => v !== undefined),
      ),
    )
    .join(' + ')
}
