import type { PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { GroupOutgrown, groupChanges, writeGroup } from './groups.js'
import { commitJournaled } from './journaledCommit.js'
import { findLegacyOverflows } from './legacyOverflows.js'

export { RevisionConflict } from './groups.js'

/**
 * Writes document changes with their index entries, uniqueness markers and counters. Every
 * document write is conditioned on the revision it was computed from: a document that moved on
 * raises `RevisionConflict`, a taken unique value Payload's `ValidationError`. Up to 100 items go
 * in one atomic request; more are recorded in the commit journal first and applied group by
 * group (see `commitJournaled`), so they too end all applied or not at all.
 */
export async function commitChanges(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  options: {
    /**
     * Judges the changes over the indexes they are packed with (refuseInvalidChanges), before
     * anything is sent and again whenever they are packed anew over indexes recorded meanwhile:
     * a refusal fails the write whole (a journaled one is undone).
     */
    judge?: (changes: DocumentChange[]) => void
    req?: Partial<PayloadRequest>
    writeID?: string
  } = {},
): Promise<void> {
  const writeID = options.writeID ?? randomUUID()
  await findLegacyOverflows(adapter, changes)
  options.judge?.(changes)
  const groups = groupChanges(adapter, changes, writeID)
  // More than one transaction, or one document whose entries need more (groups.ts `split`).
  if (groups.length > 1 || groups[0]?.split) {
    await commitJournaled(adapter, changes, writeID, options.req, options.judge)
    return
  }
  if (groups.length === 1) {
    try {
      await writeGroup(adapter, groups[0], writeID, options.req, undefined, options.judge)
    } catch (error) {
      if (!(error instanceof GroupOutgrown)) {
        throw error
      }
      // Indexes recorded meanwhile made it more than 100 items (nothing was written): the
      // journal takes it, packed with their entries.
      options.judge?.(changes)
      await commitJournaled(adapter, changes, writeID, options.req, options.judge)
    }
  }
}
