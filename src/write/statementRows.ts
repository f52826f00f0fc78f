import type { Doc } from '../query/types.js'

import { activeTransaction } from '../transactions/session.js'

/**
 * What a transaction's write statement (`deleteMany`, `updateMany`, `updateOne` by `where`)
 * reaches when its commit computes it again over newer documents: those it selected when it ran
 * that still match, as SQL's UPDATE and DELETE re-check the rows they found on their newer
 * versions; a document another request created since is not among them. Outside a transaction,
 * a write computed again selects afresh (a job claimed by another is replaced by the next one).
 * One per statement: the filter remembers its first selection.
 */
export function statementRows(): (selected: Doc[]) => Doc[] {
  let first: Set<string> | undefined
  return (selected) => {
    if (!activeTransaction()) {
      return selected
    }
    if (!first) {
      first = new Set(selected.map((doc) => String(doc.id)))
      return selected
    }
    const reached = first
    return selected.filter((doc) => reached.has(String(doc.id)))
  }
}
