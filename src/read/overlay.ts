import type { Namespace } from '../namespaces.js'
import type { CompiledWhere } from '../query/compileWhere.js'
import type { StagedDocument } from '../transactions/session.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { keyOf } from '../namespaces.js'
import { batchGetByKey } from '../storage/documentStore.js'
import { keyString, snapshot } from '../transactions/session.js'

/**
 * A query inside a transaction that has staged writes in the namespace: every stored match
 * (read by the usual plan) minus the documents the transaction changed, plus those of its
 * staged documents that match. The caller orders and counts the result, so pages, sorts and
 * totals are exactly those the table would give once the transaction commits.
 */
export function overlayStaged(
  namespace: Namespace,
  stored: Doc[],
  staged: Map<string, StagedDocument>,
  compiled: CompiledWhere,
): Doc[] {
  const docs = stored.filter((doc) => !staged.has(keyOf(namespace, doc.id as number | string).sk))
  for (const { after } of staged.values()) {
    if (after && compiled.matches(after)) {
      docs.push(snapshot(after))
    }
  }
  return docs
}

/**
 * How the staged documents change the number of matches: +1 for each staged version that
 * matches, -1 for each document whose stored version matches (it is replaced or deleted).
 */
export async function stagedCountChange(
  adapter: DynamoDBAdapter,
  staged: Map<string, StagedDocument>,
  compiled: CompiledWhere,
): Promise<number> {
  const documents = [...staged.values()]
  const stored = await batchGetByKey(
    adapter,
    documents.map((document) => document.key),
    adapter.consistentRead,
  )
  let change = 0
  for (const document of documents) {
    if (document.after && compiled.matches(document.after)) {
      change++
    }
    const current = stored.get(keyString(document.key))
    if (current && compiled.matches(current)) {
      change--
    }
  }
  return change
}
