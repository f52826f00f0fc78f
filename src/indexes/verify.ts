import type { DynamoDBAdapter, IndexReport } from '../types.js'

import { collectionNamespace } from '../namespaces.js'
import { readPartition } from '../storage/documentStore.js'
import { iterateIndexRange, readDocumentCount } from '../storage/indexStore.js'
import { indexEntries, indexPartition } from './entries.js'
import { indexesOf, localeCodes } from './registry.js'

/**
 * Checks one collection's index entries and counter against its documents (reads everything:
 * an operations tool, not a query path). `missingEntries`, `orphanEntries` = 0 and
 * `counter` = `documents` mean the indexes are exactly right.
 */
export async function verifyIndexes(
  this: DynamoDBAdapter,
  args: { collection: string },
): Promise<IndexReport> {
  const namespace = collectionNamespace(this, args.collection)
  const definitions = indexesOf(this, namespace)
  const locales = localeCodes(this)
  const docs = await readPartition(this, namespace.pk)
  const expected = new Set(
    docs
      .flatMap((doc) => indexEntries(namespace, definitions, locales, doc))
      .map((entry) => `${entry.pk}\u0000${entry.sk}`),
  )
  const stored = new Set<string>()
  for (const definition of definitions) {
    const localized = definition.parts.some((part) => part.localized) && locales.length > 0
    for (const locale of localized ? locales : [undefined]) {
      const pk = indexPartition(namespace, definition, locale)
      for await (const rows of iterateIndexRange(
        this,
        pk,
        { from: '\u0000', to: '\uffff' },
        { descending: false },
      )) {
        rows.forEach((row) => stored.add(`${pk}\u0000${row.sk}`))
      }
    }
  }
  return {
    counter: await readDocumentCount(this, namespace.pk),
    documents: docs.length,
    missingEntries: [...expected].filter((key) => !stored.has(key)).length,
    orphanEntries: [...stored].filter((key) => !expected.has(key)).length,
  }
}
