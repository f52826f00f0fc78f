import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { batchGetItems } from '../storage/documentStore.js'
import { keyString } from '../transactions/session.js'

/**
 * Whether a write that met a failed condition had in fact been applied (its response was lost
 * and the SDK sent it again): its documents carry its write id, or a deleted one is gone.
 * `current`: the documents' items, when the caller has just read them.
 */
export async function landed(
  adapter: DynamoDBAdapter,
  conflicts: DocumentChange[],
  writeID: string,
  current?: Map<string, Record<string, unknown>>,
): Promise<boolean> {
  const items = current ?? (await readConflicts(adapter, conflicts))
  return conflicts.every((change) => {
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
