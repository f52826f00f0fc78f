import type { Where } from 'payload'

import type { Doc } from '../query/types.js'

import { activeTransaction } from '../transactions/session.js'

/**
 * Selects the documents a write statement acts on; `onlyIDs` narrows its `where` to those ids
 * (its sort and limit still apply).
 */
export type StatementSelect = (onlyIDs?: (number | string)[]) => Promise<Doc[]>

/** `where` narrowed to `onlyIDs`, when given. */
export function narrowedTo(
  where: undefined | Where,
  onlyIDs: (number | string)[] | undefined,
): undefined | Where {
  if (!onlyIDs) {
    return where
  }
  const ids: Where = { id: { in: onlyIDs } }
  return where && Object.keys(where).length > 0 ? { and: [where, ids] } : ids
}

/**
 * What a transaction's write statement (`deleteMany`, `updateMany`, `deleteOne`, `updateOne` by
 * `where`) reaches when its commit computes it again over newer documents: the documents it
 * selected when it ran, those that still match, as SQL's UPDATE and DELETE re-check the rows
 * they found on their newer versions. A document another request changed to match since, or
 * created, is not among them, even where it now sorts first under the statement's limit.
 * Outside a transaction, a write computed again selects afresh (a job claimed by another is
 * replaced by the next one). One per statement: it remembers its first selection.
 */
export function statementRows(select: StatementSelect): () => Promise<Doc[]> {
  let first: (number | string)[] | undefined
  return async () => {
    if (!activeTransaction()) {
      return select()
    }
    if (!first) {
      const selected = await select()
      first = selected.map((doc) => doc.id as number | string)
      return selected
    }
    return first.length > 0 ? select(first) : []
  }
}
