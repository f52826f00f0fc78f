import type { JournalChange } from '../transactions/journal.js'
import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { indexEntries } from '../indexes/entries.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'
import { namespaceOf } from '../namespaces.js'
import { batchDeleteItems, batchGetByKey } from '../storage/documentStore.js'
import { recentWrites } from '../storage/revisions.js'
import { keyString } from '../transactions/session.js'
import { LOCK_ATTRIBUTE } from './documentLocks.js'
import { RevisionConflict } from './groupFailures.js'

/**
 * Creates of a journaled write whose id another document took after the write began (a create
 * is not locked: there is no document yet). The write is undone, as when one of its unique
 * values is taken, and its caller gets Payload's error for a duplicate id (performWrite.ts).
 * Before, such a create was computed again as an update of the other document, which its lock
 * condition refused 25 times: a 503, and a journal no start could finish.
 */
export class IdTaken extends RevisionConflict {
  constructor(conflicts: DocumentChange[]) {
    super(conflicts, conflicts)
    this.name = 'IdTaken'
  }
}

/** The creates of `journal` whose id is held by a document this write did not store. */
export function takenCreates(
  adapter: DynamoDBAdapter,
  journal: JournalChange[],
  current: Map<string, Record<string, unknown>>,
  writeID: string,
): DocumentChange[] {
  return journal.flatMap((change) => {
    const stored = current.get(keyString(change.key))
    return change.before === null &&
      change.after !== null &&
      stored !== undefined &&
      !recentWrites(stored).includes(writeID)
      ? [
          {
            after: change.after,
            before: null,
            key: change.key,
            namespace: namespaceOf(adapter, change.kind, change.slug),
          },
        ]
      : []
  })
}

/**
 * Removes what taken creates wrote before their own request (a split document's entries,
 * write/splitGroup.ts), keeping the entries of the document that holds the id. Their unique
 * values are let go of with the write's other markers (releaseMarkers.ts).
 */
export async function removeTakenEntries(
  adapter: DynamoDBAdapter,
  taken: DocumentChange[],
): Promise<void> {
  const locales = localeCodes(adapter)
  const current = await batchGetByKey(
    adapter,
    taken.map((change) => change.key),
  )
  const left = taken.flatMap((change) => {
    const definitions = maintainedIndexes(adapter, change.namespace)
    const holder = current.get(keyString(change.key))
    const kept = new Set(
      (holder ? indexEntries(change.namespace, definitions, locales, holder) : []).map(keyString),
    )
    return (change.after ? indexEntries(change.namespace, definitions, locales, change.after) : [])
      .filter((entry) => !kept.has(keyString(entry)))
      .map((entry) => ({ pk: entry.pk, sk: entry.sk }))
  })
  await batchDeleteItems(adapter, left)
}

/**
 * Deletes of a journaled write being undone whose id another writer created a document under
 * since (the delete removed the document and its lock, so nothing stopped that create). Storing
 * the deleted document back would overwrite one whose create was acknowledged, and its condition
 * would fail for ever, leaving the write unfinished with its documents locked: the undo leaves
 * the new document and logs what the write had deleted (`items`: the raw items, by key).
 */
export function recreatedDeletes(
  journal: JournalChange[],
  items: Map<string, Record<string, unknown>>,
  writeID: string,
): JournalChange[] {
  return journal.filter((change) => {
    const item = items.get(keyString(change.key))
    return (
      change.before !== null &&
      change.after === null &&
      item !== undefined &&
      item[LOCK_ATTRIBUTE] !== writeID &&
      !(Array.isArray(item.w) && item.w.includes(writeID))
    )
  })
}
