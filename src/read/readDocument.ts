import type { ItemKey } from '../keys/itemKeys.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { batchGetDocuments, getDocument } from '../storage/documentStore.js'
import { activeTransaction, keyString, snapshot } from '../transactions/session.js'

/** One document by key, as the current transaction sees it (its staged write, else the table). */
export async function readDocument(adapter: DynamoDBAdapter, key: ItemKey): Promise<Doc | null> {
  const staged = activeTransaction()?.get(key)
  if (staged) {
    return snapshot(staged.after)
  }
  return getDocument(adapter, key)
}

/** Documents by key (order not kept), as the current transaction sees them. */
export async function readDocuments(adapter: DynamoDBAdapter, keys: ItemKey[]): Promise<Doc[]> {
  const transaction = activeTransaction()
  const fromTable: ItemKey[] = []
  const docs: Doc[] = []
  const seen = new Set<string>()
  for (const key of keys) {
    const name = keyString(key)
    if (seen.has(name)) {
      continue
    }
    seen.add(name)
    const staged = transaction?.get(key)
    if (!staged) {
      fromTable.push(key)
    } else if (staged.after) {
      docs.push(snapshot(staged.after))
    }
  }
  return fromTable.length > 0 ? docs.concat(await batchGetDocuments(adapter, fromTable)) : docs
}
