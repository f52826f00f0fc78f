import type { Namespace } from '../namespaces.js'
import type { CompiledWhere } from '../query/compileWhere.js'
import type { StagedDocument } from '../transactions/session.js'
import type { Doc } from '../query/types.js'

import { keyOf } from '../namespaces.js'
import { snapshot } from '../transactions/session.js'

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
