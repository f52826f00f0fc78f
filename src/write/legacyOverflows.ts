import type { Doc } from '../query/types.js'
import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import {
  combinationCount,
  idKeyPart,
  LEGACY_ENTRIES_PER_INDEX,
  localesFor,
  maxEntriesPerIndex,
  noteLegacyOverflow,
  overflowKey,
  overflowPartition,
} from '../indexes/entries.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'
import { entryLimitToken } from '../indexes/valueCounters.js'
import type { ItemKey } from '../keys/itemKeys.js'
import { batchGetItems } from '../storage/documentStore.js'
import { countedIn } from '../storage/revisions.js'
import { keyString } from '../transactions/session.js'

/**
 * Versions before 2026-12-05 gave a document with more than 40 values in one index an overflow
 * entry instead of entries and value counts. Before a write computes what a stored document had,
 * this looks (one `BatchGetItem`, only for documents with more than 40 values in some index) for
 * such an overflow entry, and notes the document so (entries.ts `noteLegacyOverflow`): the write
 * then deletes that entry instead of entries it never had, and removes no count of its values.
 * The delete is conditioned on the entry being there (changeActions.ts), so a repair that
 * replaced it meanwhile makes the write compute again.
 */
export async function findLegacyOverflows(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
): Promise<void> {
  const limit = maxEntriesPerIndex()
  if (limit <= LEGACY_ENTRIES_PER_INDEX) {
    return
  }
  const locales = localeCodes(adapter)
  const probes: { doc: Doc; key: ItemKey; name: string }[] = []
  for (const change of changes) {
    const multiValued = maintainedIndexes(adapter, change.namespace).filter((definition) =>
      definition.parts.some((part) => part.multiValued),
    )
    for (const doc of [change.before, change.recorded]) {
      // A document this version wrote says so in its `ix`: nothing to look for.
      if (!doc || multiValued.length === 0 || countedIn(doc).includes(entryLimitToken())) {
        continue
      }
      for (const definition of multiValued) {
        for (const locale of localesFor(definition, locales)) {
          const count = combinationCount(doc, definition, locale)
          if (count > LEGACY_ENTRIES_PER_INDEX && count <= limit) {
            probes.push({
              doc,
              key: {
                pk: overflowPartition(change.namespace, definition, locale),
                sk: idKeyPart(doc.id as number | string),
              },
              name: overflowKey(definition, locale),
            })
          }
        }
      }
    }
  }
  if (probes.length === 0) {
    return
  }
  // One key once (a document's stored and recorded images may both probe it).
  const keys = new Map(probes.map(({ key }) => [keyString(key), key]))
  const found = await batchGetItems(adapter, [...keys.values()], true, 'keys')
  // Every document looked at is noted afresh: one held in memory may have been noted before a
  // repair replaced its overflow entry.
  const byDoc = new Map<Doc, Set<string>>()
  for (const { doc, key, name } of probes) {
    const names = byDoc.get(doc) ?? new Set<string>()
    byDoc.set(doc, found.has(keyString(key)) ? names.add(name) : names)
  }
  for (const [doc, names] of byDoc) {
    noteLegacyOverflow(doc, names)
  }
}
