import { randomUUID } from 'node:crypto'
import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import type { JournalChange, JournalHeader, JournalUndo } from './journal.js'

import { namespaceOf } from '../namespaces.js'
import { rememberRevision } from '../storage/revisions.js'
import { lockAsTheyAre, lockDocuments, unlockDocuments } from '../write/documentLocks.js'
import { applyRemaining, undoApplied } from '../write/applyJournal.js'
import { closeJournal, lockedKeys } from '../write/journaledCommit.js'
import { finishDeferred } from '../write/splitGroup.js'
import { IdTaken } from '../write/takenCreates.js'
import { WriteRefused } from '../write/refusedWrite.js'
import { deleteJournal, openJournals, readJournalChanges, readJournalHeader } from './journal.js'
import { recordOutcome, sweepOutcomes } from './journalOutcome.js'
import { JournalTakenOver } from './journalGrace.js'
import { undoneValidation } from './journalUndo.js'
import {
  assertJournalOwner,
  claimJournal,
  type LockProgress,
  silence,
  startHeartbeat,
} from './journalOwnership.js'

/** How long the outcome of a write taken over is kept for its first process (journal.ts). */
const OUTCOME_KEPT_MS = 60 * 60 * 1000

/**
 * Finishes writes that a process left part-way (it died between the groups of a write of more
 * than 100 items): each is applied to the end from its journal, or undone when it can no longer
 * be applied. Runs on connect, and once more after the grace period for journals whose owner was
 * still alive then (`deferred`). `olderThanMs` overrides the grace period (0: every journal, also
 * one a live process is applying; it is taken over, and that process stops, see
 * journalOwnership.ts).
 */
export async function finishOpenCommits(
  adapter: DynamoDBAdapter,
  options: { olderThanMs?: number } = {},
): Promise<{ deferred: number; finished: number }> {
  const { deferred, failures, finished } = await settleOpenCommits(adapter, options)
  if (failures.length > 0) {
    // Every other journal was tried first (each failure is logged).
    throw failures[0]
  }
  return { deferred, finished }
}

/**
 * `finishOpenCommits`, also saying when to look again: once the last of the deferred journals
 * may be taken over if its owner stays silent (each by the grace period on its own header). A
 * journal that cannot be finished now is logged and left (`failures`): one bad journal must not
 * keep the others, or the start, from going on.
 */
export async function settleOpenCommits(
  adapter: DynamoDBAdapter,
  options: { olderThanMs?: number } = {},
): Promise<{ deferred: number; failures: unknown[]; finished: number; lookAgainInMs: number }> {
  let finished = 0
  let deferred = 0
  let lookAgainInMs = 0
  const failures: unknown[] = []
  await sweepOutcomes(adapter, OUTCOME_KEPT_MS)
  for (const header of await openJournals(adapter)) {
    const quiet = silence(header)
    const allowed = options.olderThanMs ?? quiet.allowed
    if (quiet.for < allowed) {
      deferred++
      lookAgainInMs = Math.max(lookAgainInMs, allowed - quiet.for)
      continue
    }
    try {
      if (await finishJournal(adapter, header)) {
        finished++
        continue
      }
    } catch (error) {
      failures.push(error)
      adapter.payload.logger.error({
        err: error,
        msg: `payload-db-dynamodb: could not finish an interrupted write (${header.writeID}); its journal stays for the next start.`,
      })
    }
    // Its owner beat again, another process took it, or it failed: silent for a whole period at
    // the soonest.
    deferred++
    lookAgainInMs = Math.max(lookAgainInMs, allowed)
  }
  return { deferred, failures, finished, lookAgainInMs }
}

/**
 * Takes over a left journal (unless another process did first, or its owner beat again since
 * `header` was read: then returns false), applies it to the end (or undoes it), and closes it
 * (markers, locks, record).
 */
export async function finishJournal(
  adapter: DynamoDBAdapter,
  header: JournalHeader,
): Promise<boolean> {
  const owner = randomUUID()
  if (!(await claimJournal(adapter, header, owner))) {
    return false
  }
  const lockProgress: LockProgress = { steps: 0 }
  const heartbeat = startHeartbeat(adapter, header.writeID, owner, lockProgress)
  try {
    // Read again now that the previous owner can mark nothing more: the groups it applied
    // after `header` was read are not applied twice.
    const claimed = await readJournalHeader(adapter, header.writeID)
    if (claimed?.owner === owner) {
      // Written by a version that did not lock its documents (no owner then): see finishOwned.
      await finishOwned(adapter, claimed, owner, header.owner === undefined, lockProgress)
    }
    return true
  } catch (error) {
    if (error instanceof JournalTakenOver) {
      // Taken over in turn (this process stalled past the grace period): the other one ends it.
      return false
    }
    throw error
  } finally {
    heartbeat.stop()
  }
}

async function finishOwned(
  adapter: DynamoDBAdapter,
  header: JournalHeader,
  owner: string,
  legacy: boolean,
  lockProgress: LockProgress,
): Promise<void> {
  const journal = await readJournalChanges(adapter, header)
  // What split documents left to move after their own request (write/splitGroup.ts) first: an
  // undo computes over documents whose counts and entries are whole.
  await finishDeferred(adapter, header.writeID)
  // (An undo that had begun keeps its locks: nothing is withdrawn over what it may have stored.)
  if (
    header.done.size === 0 &&
    header.begun.size === 0 &&
    !header.undoing &&
    !(await lockAgain(adapter, header, journal, owner, lockProgress))
  ) {
    return
  }
  if (legacy && header.done.size > 0) {
    // Written by a version that did not lock its documents: its groups need the locks.
    await lockAsTheyAre(
      adapter,
      journal.map((change) => change.key),
      header.writeID,
    )
  }
  const write = { done: header.done, journal, owner, writeID: header.writeID }
  let undone: JournalUndo['validation'] | undefined
  if (header.undoing) {
    // Its undo had begun: it is finished, never applied further over groups already undone.
    await undoApplied(adapter, write, header.undoing.group)
    undone = header.undoing.validation
  } else {
    try {
      await applyRemaining(adapter, write)
    } catch (error) {
      if (
        !(error instanceof ValidationError) &&
        !(error instanceof IdTaken) &&
        !(error instanceof WriteRefused)
      ) {
        // Not applied, not undone (the engine is unreachable, say): left for the next run.
        throw error
      }
      undone = undoneValidation(error)
    }
  }
  if (undone) {
    await recordOutcome(adapter, header.writeID, { kind: 'undone', validation: undone })
    adapter.payload.logger.error(
      `payload-db-dynamodb: an interrupted write (${header.writeID}) could not be applied and was undone: ${JSON.stringify(undone.errors ?? undone)}`,
    )
  } else {
    await recordOutcome(adapter, header.writeID, { kind: 'applied' })
    adapter.payload.logger.info(
      `payload-db-dynamodb: finished an interrupted write of ${journal.length} documents (${header.writeID}).`,
    )
  }
  await closeJournal(adapter, header.writeID, journal, header, Boolean(undone), lockProgress)
}

/**
 * A journal whose first group was not applied: its process may have died while it locked the
 * documents, so some may have changed since the write read them. The locks are taken (again) on
 * the revisions the write read; when one of them moved on, the write is withdrawn (nothing of it
 * was applied) instead of being stored over that change. Returns whether the write can go on.
 */
async function lockAgain(
  adapter: DynamoDBAdapter,
  header: JournalHeader,
  journal: JournalChange[],
  owner: string,
  lockProgress: LockProgress,
): Promise<boolean> {
  const changes = journal.map((change) => {
    if (change.before && change.revision !== undefined) {
      rememberRevision(change.before, change.revision)
    }
    return {
      after: change.after,
      before: change.before,
      key: change.key,
      namespace: namespaceOf(adapter, change.kind, change.slug),
    }
  })
  // A newer document cannot be computed again here (the write's steps are gone with its process).
  const stillOwned = () => assertJournalOwner(adapter, header.writeID, owner)
  const { held, newer } = await lockDocuments(
    adapter,
    changes,
    header.writeID,
    lockProgress,
    stillOwned,
  )
  const conflicts = [...held, ...newer]
  if (conflicts.length === 0) {
    return true
  }
  // Not over an outcome another taker recorded after this one stalled here.
  await stillOwned()
  await recordOutcome(adapter, header.writeID, { kind: 'withdrawn' })
  await deleteJournal(adapter, header.writeID, header, owner)
  await unlockDocuments(adapter, lockedKeys(journal, true), header.writeID)
  adapter.payload.logger.error(
    `payload-db-dynamodb: an interrupted write (${header.writeID}) was withdrawn before any of it was applied: ${conflicts.length} of its documents changed after it read them.`,
  )
  return false
}
