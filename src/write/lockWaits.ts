import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { readJournalHeader } from '../transactions/journal.js'
import { abandoned } from '../transactions/journalOwnership.js'
import { finishJournal } from '../transactions/recover.js'
import { LOCK_ATTRIBUTE, unlockDocuments } from './documentLocks.js'
import { readConflicts } from './conflictReads.js'

/** What holds a writer's documents: whether any are locked, and how far their writes have got. */
export type LockHolders = {
  held: boolean
  /**
   * Changes whenever a holding write applies a group, gets a new owner, or (its beats say) locks
   * more of its documents.
   */
  progress: string
  /** The holding writes' ids. */
  writes: string[]
}

/**
 * After a write failed on documents that moved on: whether some of them are locked by a write of
 * more than 100 items still being applied (documentLocks.ts), so the writer should wait and try
 * again. Locks that no live write holds are settled on the way: a write whose owner has not shown
 * it is alive for the grace period (journalOwnership.ts) is taken over and finished here (its
 * process died part-way), and a lock whose journal is gone is removed.
 */
export async function lockedByOthers(
  adapter: DynamoDBAdapter,
  conflicts: DocumentChange[],
  /** Their items, when the caller has just read them. */
  current?: Map<string, Record<string, unknown>>,
): Promise<LockHolders> {
  const items = current ?? (await readConflicts(adapter, conflicts))
  const byOwner = new Map<string, DocumentChange['key'][]>()
  for (const item of items.values()) {
    const owner = item[LOCK_ATTRIBUTE]
    if (typeof owner === 'string') {
      byOwner.set(owner, [
        ...(byOwner.get(owner) ?? []),
        { pk: String(item.pk), sk: String(item.sk) },
      ])
    }
  }
  const holders: LockHolders = { held: false, progress: '', writes: [] }
  const marks: string[] = []
  for (const [owner, keys] of byOwner) {
    const header = await readJournalHeader(adapter, owner)
    if (!header) {
      await unlockDocuments(adapter, keys, owner)
      continue
    }
    // Another process may take it over first (or its owner come back): then wait for that.
    if (!abandoned(header) || !(await finishJournal(adapter, header))) {
      holders.held = true
      holders.writes.push(owner)
      marks.push(`${owner}:${header.owner ?? ''}:${header.lockSteps ?? 0}:${header.done.size}`)
    }
  }
  holders.progress = marks.sort().join(' ')
  return holders
}
