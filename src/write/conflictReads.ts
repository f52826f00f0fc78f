import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { batchGetItems } from '../storage/documentStore.js'
import { keyString } from '../transactions/session.js'

/**
 * Whether a write that met a failed condition had in fact been applied (its response was lost
 * and the SDK sent it again). A cancelled transaction stores nothing, so the documents whose
 * condition failed prove nothing alone: one another process deleted is gone just as this write's
 * delete would leave it, while the rest of the write was never stored. A document the write
 * stores carries its write id only if the whole transaction was applied; a write that only
 * deletes has landed when all of its documents are gone (the end it asked for, either way).
 * `current`: the conflicts' items, when the caller has just read them.
 */
export async function landed(
  adapter: DynamoDBAdapter,
  write: { conflicts: DocumentChange[]; changes: DocumentChange[] },
  writeID: string,
  current?: Map<string, Record<string, unknown>>,
): Promise<boolean> {
  const stored = write.changes.find((change) => change.after)
  const judged = stored ? [stored] : write.changes
  const read = new Set(current ? write.conflicts.map((change) => keyString(change.key)) : [])
  const unread = judged.filter((change) => !read.has(keyString(change.key)))
  const items = new Map([
    ...(current ?? []),
    ...(unread.length > 0 ? await readConflicts(adapter, unread) : []),
  ])
  return judged.every((change) => {
    const item = items.get(keyString(change.key))
    return change.after
      ? Array.isArray(item?.w) && (item.w as unknown[]).includes(writeID)
      : item === undefined
  })
}

/** The stored items of the documents a write conflicted on (consistent), by `pk\0sk`. */
export function readConflicts(
  adapter: DynamoDBAdapter,
  conflicts: DocumentChange[],
): Promise<Map<string, Record<string, unknown>>> {
  return batchGetItems(
    adapter,
    conflicts.map((change) => change.key),
  )
}
