import type { PayloadRequest } from 'payload'

import { APIError } from 'payload'

import type { DocumentChange } from '../transactions/session.js'
import type { Group } from './groups.js'

import { toAPIError } from '../storage/errors.js'
import { failedConditionIndexes } from '../transactions/transactWrite.js'
import { uniqueValueError } from './uniqueValueError.js'

/** Documents changed by someone else since they were read: the write must be computed again. */
export class RevisionConflict extends Error {
  constructor(
    /** The changes whose document was no longer at the revision read. */
    readonly conflicts: DocumentChange[],
    /** Every change of the group that failed (it was all-or-nothing). */
    readonly group: DocumentChange[],
  ) {
    super('A document changed while it was being written.')
    this.name = 'RevisionConflict'
  }
}

/**
 * A group that no longer fits one transaction with the entries of indexes recorded meanwhile.
 * Nothing of it was written: the write is packed again (commitChanges.ts, journaledCommit.ts).
 */
export class GroupOutgrown extends APIError {
  constructor() {
    super(
      'Indexes were added while this write was made, and with their entries it no longer fits one DynamoDB transaction. Nothing was written; retry the operation.',
      503,
      undefined,
      true,
    )
    this.name = 'GroupOutgrown'
  }
}

/** Whether the journal action after the group's own (a mark or a fence) failed its condition. */
export function fenced(error: unknown, group: Group): boolean {
  const extraIndex = group.actions.length
  return failedConditionIndexes(error, extraIndex + 1).includes(extraIndex)
}

export function explainFailure(
  error: unknown,
  group: Group,
  req: Partial<PayloadRequest> | undefined,
): unknown {
  const failed = failedConditionIndexes(error, group.actions.length).map(
    (index) => group.meanings[index],
  )
  const conflicts = failed.flatMap((meaning) =>
    meaning?.kind === 'document' ? [meaning.change] : [],
  )
  if (conflicts.length > 0) {
    return new RevisionConflict(conflicts, group.changes)
  }
  const taken = failed.flatMap((meaning) => (meaning?.kind === 'unique' ? [meaning.marker] : []))
  if (taken.length === 0) {
    // Not a condition this write set (e.g. conflicts with other transactions that outlasted the
    // retries): a clear APIError, never the SDK's.
    return toAPIError(error, { operation: 'TransactWriteItems' })
  }
  return uniqueValueError(
    group.changes,
    taken.map((marker) => marker.definition),
    req,
  )
}
