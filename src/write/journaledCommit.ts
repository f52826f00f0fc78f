import type { PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { JournalChange, JournalParts } from '../transactions/journal.js'
import type { DocumentChange } from '../transactions/session.js'
import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'

import { revisionOf } from '../storage/revisions.js'
import { deleteJournal, markGroupDone, writeJournal } from '../transactions/journal.js'
import { JournalTakenOver, UnfinishedWrite } from '../transactions/journalGrace.js'
import { undoneError } from '../transactions/journalUndo.js'
import { mayMeetAnotherCreate } from '../transactions/session.js'
import {
  assertJournalOwner,
  awaitOutcome,
  type LockProgress,
  startHeartbeat,
} from '../transactions/journalOwnership.js'
import { lockDocuments, unlockDocuments } from './documentLocks.js'
import { landed } from './conflictReads.js'
import { GroupOutgrown, groupChanges, RevisionConflict, writeGroup } from './groups.js'
import { IdTaken } from './takenCreates.js'
import { refusal, WriteRefused } from './refusedWrite.js'
import { releaseMarkers } from './releaseMarkers.js'
import { applyRemaining, GROUP_CAPACITY } from './applyJournal.js'

/**
 * Documents of a journaled write moved on before it locked them; it locked them as they are now
 * and must be computed again, under the same write id (its locks and its journal stay, see
 * `writeWithRetries`), over documents nobody else can change any more.
 */
export class LocksKept extends RevisionConflict {
  constructor(
    conflicts: DocumentChange[],
    group: DocumentChange[],
    /** What the next attempt takes over, or what is released if there is none. */
    readonly held: { keys: ItemKey[]; parts: JournalParts; writeID: string },
  ) {
    super(conflicts, group)
    this.name = 'LocksKept'
  }
}

/**
 * The error for a journaled write left part-way: it is finished on the next start. Cut off while
 * it locked its documents (`whileLocking`), it may instead be withdrawn then (recover.ts).
 */
function unfinished(error: unknown, whileLocking = false): UnfinishedWrite {
  if (error instanceof UnfinishedWrite) {
    // Taken over by another process (JournalTakenOver): that one says what happens.
    return error
  }
  const outcome = whileLocking
    ? 'the next start finishes it, or withdraws it if one of its documents changes before then (finishOpenCommits); check before repeating it'
    : 'it will be finished automatically (finishOpenCommits, run on the next start); do not repeat it'
  return new UnfinishedWrite(
    `A write of more than 100 items could not be completed now (${(error as Error)?.message ?? String(error)}). It is recorded in the commit journal: ${outcome}.`,
    503,
    null,
    true,
  )
}

function journalChange(change: DocumentChange, group: number): JournalChange {
  return {
    ...(change.unindexed ? { unindexed: change.unindexed } : {}),
    after: change.after,
    before: change.before,
    group,
    key: change.key,
    kind: change.namespace.kind,
    revision: change.before ? revisionOf(change.before) : undefined,
    slug: change.namespace.slug,
  }
}

/**
 * Commits more than 100 items: records every change in the journal, locks the documents it read
 * (documentLocks.ts), then applies the groups in order, each marking itself done atomically with
 * its writes. Documents that moved on before they were locked are locked as they are and the
 * write is computed again (`LocksKept`); one locked by another write fails it with
 * `RevisionConflict` (nothing applied, nothing held). Once the first group is applied the write
 * goes forward; its documents stay locked, so later groups store exactly what was computed over
 * what was read. If a later group cannot be applied at all
 * (a unique value taken meanwhile), the groups already applied are undone. An infrastructure
 * failure part-way leaves the journal, and the next start finishes the write.
 */
export async function commitJournaled(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  writeID: string,
  req?: Partial<PayloadRequest>,
  /** Judges the changes again over indexes recorded meanwhile, before anything is applied. */
  judge?: (changes: DocumentChange[]) => void,
): Promise<void> {
  // Creates that may meet another writer's go first: a conflict in the first group computes the
  // write again over the other document, while one in a later group (applied groups stay) can
  // only undo the whole write.
  const ordered = [
    ...changes.filter(mayMeetAnotherCreate),
    ...changes.filter((change) => !mayMeetAnotherCreate(change)),
  ]
  const groups = groupChanges(adapter, ordered, writeID, GROUP_CAPACITY, true)
  const journal = groups.flatMap((group, index) =>
    group.changes.map((change) => journalChange(change, index)),
  )
  // The writing process owns its journal under the write id (journalOwnership.ts).
  const owner = writeID
  const parts = await recordJournal(adapter, writeID, journal, owner)
  const lockProgress: LockProgress = { steps: 0 }
  const heartbeat = startHeartbeat(adapter, writeID, owner, lockProgress)
  try {
    await applyJournaled(
      adapter,
      { changes, groups, journal, lockProgress, judge, owner, parts, writeID },
      req,
    )
  } catch (error) {
    if (!(error instanceof JournalTakenOver)) {
      throw error
    }
    heartbeat.stop()
    // This process stalled and another one took the write over: answer as that one ended it.
    const outcome = await awaitOutcome(adapter, writeID)
    if (!outcome) {
      throw error
    }
    // The write has ended: a lock this process set after it was taken over (its lock step went
    // on) is stale.
    const existing = changes.filter((change) => change.before !== null)
    await unlockDocuments(
      adapter,
      existing.map((change) => change.key),
      writeID,
    )
    if (outcome.kind === 'applied') {
      return
    }
    if (outcome.kind === 'undone') {
      throw undoneError(outcome.validation)
    }
    // Withdrawn (nothing applied: some of its documents moved on): computed again, as after a
    // conflict on them (none carries this write's id, so it is not taken for landed).
    throw existing.length > 0 ? new RevisionConflict(existing, changes) : error
  } finally {
    heartbeat.stop()
  }
}

/**
 * `writeJournal`, taking back a header that may have landed when the request recording it failed
 * (its answer lost, the retries failed): left there, the next start would apply a write whose
 * caller was told it failed. When even that cannot be done, the caller is told the write may
 * still be applied.
 */
async function recordJournal(
  adapter: DynamoDBAdapter,
  writeID: string,
  journal: JournalChange[],
  owner: string,
): Promise<JournalParts> {
  try {
    return await writeJournal(adapter, writeID, journal, owner)
  } catch (error) {
    if (error instanceof UnfinishedWrite) {
      throw error
    }
    try {
      // Only while nothing of it was applied: no other process took it over meanwhile.
      await deleteJournal(adapter, writeID, { gen: '', parts: 0 }, owner, true)
    } catch (failure) {
      throw unfinished(failure, true)
    }
    throw error
  }
}

async function applyJournaled(
  adapter: DynamoDBAdapter,
  write: {
    changes: DocumentChange[]
    groups: ReturnType<typeof groupChanges>
    journal: JournalChange[]
    lockProgress: LockProgress
    judge?: (changes: DocumentChange[]) => void
    owner: string
    parts: JournalParts
    writeID: string
  },
  req?: Partial<PayloadRequest>,
): Promise<void> {
  const { changes, groups, journal, lockProgress, judge, owner, parts, writeID } = write
  /** Nothing was applied: the journal goes, then the locks (`unlock`: those still held). */
  const abandon = async (error: unknown, unlock: DocumentChange[]): Promise<never> => {
    try {
      await deleteJournal(adapter, writeID, parts, owner)
    } catch (failure) {
      // The journal stays: the next start applies the write, as for any write left part-way.
      throw unfinished(failure)
    }
    await unlockDocuments(
      adapter,
      unlock.filter((change) => change.before !== null).map((change) => change.key),
      writeID,
    )
    throw error
  }
  let locked: Awaited<ReturnType<typeof lockDocuments>>
  try {
    // Every document, the first group's too: a write computed again because some moved on then
    // finds all of them locked, and goes through (writers that keep changing them cannot hold
    // it off).
    locked = await lockDocuments(adapter, changes, writeID, lockProgress, () =>
      assertStillOwned(adapter, writeID, owner),
    )
  } catch (error) {
    // Taken over while it stalled here: the taker's outcome answers (commitJournaled).
    throw error instanceof JournalTakenOver ? error : unfinished(error, true)
  }
  if (locked.held.length > 0) {
    // lockDocuments removed the locks it took.
    await abandon(new RevisionConflict(locked.held, changes), [])
  }
  if (locked.newer.length > 0) {
    // A document moved on: maybe because another process took this write over, applied it and
    // unlocked (this process stalled in its lock step, then locked them again). Computing it
    // again under this id would apply it twice: that process's outcome answers instead.
    await assertStillOwned(adapter, writeID, owner)
    // The journal and the locks stay: the write is computed again under the same id.
    throw new LocksKept(locked.newer, changes, {
      keys: changes.filter((change) => change.before !== null).map((change) => change.key),
      parts,
      writeID,
    })
  }
  // A first group split over several requests (splitGroup.ts) goes with the others, which undo
  // what of it was written if it fails on a taken value.
  const done = new Set(groups[0]?.split ? [] : [0])
  try {
    if (done.has(0)) {
      // Judged again, as a whole, if indexes were recorded since it was packed (nothing is
      // applied before the first group: a refusal there abandons the write).
      await writeGroup(adapter, groups[0], writeID, req, markGroupDone(writeID, 0, owner), () =>
        judge?.(changes),
      )
    }
  } catch (error) {
    if (error instanceof GroupOutgrown) {
      // Indexes were recorded since it was packed. Its documents are locked as read, so every
      // group is applied over them as stored now, packed again with their entries, once the
      // write is judged again over those indexes.
      try {
        judge?.(changes)
      } catch (refused) {
        await abandon(refused, changes)
      }
      done.clear()
    } else if (refusal(error)) {
      // DynamoDB refused it as invalid: nothing of it was stored, and it would be refused again.
      await abandon(refusal(error), changes)
    } else if (!(error instanceof RevisionConflict) && !(error instanceof ValidationError)) {
      // The first group may or may not have been applied (no answer): the journal stays, and
      // the next start finishes the write from it, so it ends whole either way.
      throw unfinished(error)
    } else {
      // A first group whose response was lost was applied: go on from it. Not known (the read
      // failed): the journal stays, and its mark tells the next start.
      const applied =
        error instanceof RevisionConflict &&
        (await landed(adapter, { changes: error.group, conflicts: error.conflicts }, writeID).catch(
          (failure: unknown) => {
            throw unfinished(failure)
          },
        ))
      if (!applied) {
        await abandon(error, changes)
      }
    }
  }
  /**
   * Applied whole or undone: its end (releasing values, locks, the journal). Cut off, the journal
   * stays with every group done, and the next start (or a writer past the grace period) ends it.
   * It must not be treated as a failed attempt: `writeWithRetries` would delete the journal of a
   * write computed again (`LocksKept`) with the values it let go of still held.
   */
  const end = async (undone: boolean) => {
    try {
      await closeJournal(adapter, writeID, journal, parts, undone, lockProgress)
    } catch (error) {
      throw unfinished(error)
    }
  }
  try {
    await applyRemaining(adapter, { done, journal, judge, owner, writeID }, req)
  } catch (error) {
    // Undone (a taken unique value or id, a request DynamoDB refused): nothing is left to finish.
    // Any other failure leaves the journal, and the next start (or a writer past the grace
    // period) finishes the write.
    if (
      error instanceof ValidationError ||
      error instanceof IdTaken ||
      error instanceof WriteRefused
    ) {
      await end(true)
      throw error
    }
    throw unfinished(error)
  }
  await end(false)
}

/** Throws `JournalTakenOver` unless `owner` still owns the write's journal. */
async function assertStillOwned(
  adapter: DynamoDBAdapter,
  writeID: string,
  owner: string,
): Promise<void> {
  await assertJournalOwner(adapter, writeID, owner).catch((failure: unknown) => {
    throw failure instanceof JournalTakenOver ? failure : unfinished(failure, true)
  })
}

/** The documents a journaled write leaves locked: those it stored (or, undone, stored back). */
export function lockedKeys(journal: JournalChange[], undone: boolean) {
  return journal
    .filter((change) => (undone ? change.before : change.after) !== null)
    .map((change) => change.key)
}

/**
 * Ends a journaled write that was applied whole or undone (`undone`): the markers of values it
 * let go of are deleted, its locks removed, and then the journal, so a process that dies
 * part-way leaves the journal for the next start. Not fenced: every group is done, so a process
 * that took the write over meanwhile has nothing left to store (its groups need the locks, see
 * `heldClause`) and ends it the same way.
 */
export async function closeJournal(
  adapter: DynamoDBAdapter,
  writeID: string,
  journal: JournalChange[],
  parts: JournalParts,
  undone: boolean,
  lockProgress?: LockProgress,
): Promise<void> {
  await releaseMarkers(adapter, journal)
  await unlockDocuments(adapter, lockedKeys(journal, undone), writeID, lockProgress)
  await deleteJournal(adapter, writeID, parts)
}
