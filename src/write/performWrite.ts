import type { PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { APIError } from 'payload'

import type { DocumentChange, WriteStep } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import type { ItemKey } from '../keys/itemKeys.js'
import type { ItemReader } from '../storage/documentStore.js'

import { deleteJournal, type JournalParts } from '../transactions/journal.js'
import { activeTransaction, keyString } from '../transactions/session.js'
import { jitteredDelay } from '../transactions/transactWrite.js'
import { checkUniqueInTransaction, refuseTakenInTransaction } from '../transactions/uniqueCheck.js'
import { duplicateID, refuseStagedIDs, takesID } from './duplicateID.js'
import { commitChanges, RevisionConflict } from './commitChanges.js'
import { landed, readConflicts } from './conflictReads.js'
import { journalGraceMs, JournalTakenOver, UnfinishedWrite } from '../transactions/journalGrace.js'
import { type Heartbeat, startHeartbeat } from '../transactions/journalOwnership.js'
import { LocksKept } from './journaledCommit.js'
import { unlockDocuments } from './documentLocks.js'
import { IdTaken } from './takenCreates.js'
import { type LockHolders, lockedByOthers } from './lockWaits.js'
import { refuseInvalidChanges } from './changeChecks.js'

/** How often a write whose documents moved on meanwhile is computed again before giving up. */
export const REVISION_ATTEMPTS = 25

/**
 * How long a writer waits for documents locked by a write of more than 100 items that makes no
 * progress (locks no more documents, applies no group) while its process is alive: four grace
 * periods (2 min by default). A write that goes on locking or applying its groups is waited for
 * to its end, as a row lock is; one whose process died is taken over and finished by the writer
 * once silent for the grace period.
 */
function lockStallMs(): number {
  return 4 * journalGraceMs()
}

/**
 * Runs one adapter write. `step` reads what it needs and returns the document changes; it may
 * run more than once, so it must compute everything from what it reads (closures keep the
 * results of its last run).
 *
 * Inside a Payload transaction the changes are held until commit (reads with the same `req`
 * see them). Otherwise they are written at once, conditioned on the revisions read; when another
 * writer got there first, `step` runs again over the newer documents, so concurrent writers end
 * as if they had run one after the other (a `$inc` is never lost, index entries never drift).
 */
export async function performWrite(
  adapter: DynamoDBAdapter,
  step: WriteStep,
  req?: Partial<PayloadRequest>,
  /**
   * A check already under way (relationship references exist) that must pass before anything is
   * staged or written; it runs beside the transaction's uniqueness check, not before it.
   */
  checks?: Promise<void>,
  /** Where `checks` reads, so that the uniqueness check's read can join its request. */
  read?: ItemReader,
): Promise<void> {
  // Marked as handled here: if `step` fails first, its error is the one reported.
  checks?.catch(() => undefined)
  const transaction = activeTransaction()
  if (transaction) {
    for (let attempt = 1; ; attempt++) {
      const mark = transaction.stagingMark
      const changes = await step()
      refuseInvalidChanges(adapter, changes, req)
      await Promise.all([
        checks,
        checkUniqueInTransaction(adapter, transaction, changes, req, read),
      ])
      if (changes.some((change) => transaction.stagedSince(change.key, mark))) {
        // Another step of this transaction, run in parallel, staged one of these documents
        // since this step read it: computed again over it, as one after the other.
        if (attempt >= REVISION_ATTEMPTS) {
          throw gaveUp(attempt)
        }
        continue
      }
      refuseTakenInTransaction(adapter, transaction, changes, req)
      refuseStagedIDs(transaction, changes, req)
      changes.forEach((change) => transaction.stage(change))
      transaction.steps.push(step)
      if (req?.t && !transaction.translator) {
        transaction.translator = { t: req.t }
      }
      return
    }
  }
  await checks
  await writeWithRetries(adapter, step, { req })
}

/**
 * Writes what `step` computes, computing it again while documents keep moving on. A write whose
 * response was lost (the SDK's retry then met its own revision) is recognised by its write id and
 * not written again; the step's results of that attempt stand.
 */
export async function writeWithRetries(
  adapter: DynamoDBAdapter,
  step: () => Promise<DocumentChange[]>,
  options: { attempts?: number; onConflict?: () => never; req?: Partial<PayloadRequest> },
): Promise<void> {
  // Locks a write of more than 100 items kept for its next attempt (see `LocksKept`).
  const kept: KeptLocks = { keys: new Map() }
  try {
    await attemptWrites(adapter, step, options, kept)
  } catch (error) {
    // A write left part-way keeps its journal and its locks: the next start finishes it.
    if (!(error instanceof UnfinishedWrite)) {
      await releaseKept(adapter, kept)
    }
    throw error
  } finally {
    kept.heartbeat?.stop()
  }
  await releaseKept(adapter, kept)
}

type KeptLocks = {
  /** Beats on the kept journal while the write is computed again (no other process takes it). */
  heartbeat?: Heartbeat
  keys: Map<string, ItemKey>
  parts?: JournalParts
  writeID?: string
}

/** Removes what a write kept between attempts and no longer needs (its journal, its locks). */
async function releaseKept(adapter: DynamoDBAdapter, kept: KeptLocks): Promise<void> {
  if (kept.writeID === undefined) {
    return
  }
  const { writeID } = kept
  kept.writeID = undefined
  try {
    // Only while it is still this write's and nothing of it was applied: a journal with a group
    // applied is ended by `closeJournal` or by the process that takes it over (recover.ts),
    // which release the unique values it let go of first, and need its locks.
    await deleteJournal(adapter, writeID, kept.parts ?? { parts: 0 }, writeID, true)
  } catch (error) {
    if (error instanceof JournalTakenOver) {
      return
    }
    throw error
  }
  await unlockDocuments(adapter, [...kept.keys.values()], writeID)
  kept.keys.clear()
}

async function attemptWrites(
  adapter: DynamoDBAdapter,
  step: () => Promise<DocumentChange[]>,
  options: { attempts?: number; onConflict?: () => never; req?: Partial<PayloadRequest> },
  kept: KeptLocks,
): Promise<void> {
  const attempts = options.attempts ?? REVISION_ATTEMPTS
  for (let attempt = 1; ; attempt++) {
    const changes = await step()
    if (changes.length === 0) {
      return
    }
    const writeID = kept.writeID ?? randomUUID()
    // The commit beats on the journal itself from here.
    kept.heartbeat?.stop()
    kept.heartbeat = undefined
    try {
      // Judged over the indexes its groups are packed with (commitChanges).
      await commitChanges(adapter, changes, {
        judge: (judged) => refuseInvalidChanges(adapter, judged, options.req),
        req: options.req,
        writeID,
      })
      // What it wrote no longer carries the lock; what it kept beside that is released after.
      changes.forEach((change) => kept.keys.delete(keyString(change.key)))
      return
    } catch (error) {
      if (!(error instanceof RevisionConflict)) {
        throw error
      }
      if (error instanceof LocksKept) {
        // Computed again at once: the documents that moved on are locked where they are now.
        kept.writeID = error.held.writeID
        // Its latest journal: writing it deleted the one it replaced.
        kept.parts = error.held.parts
        // Its journal stays while the write is computed again: it is beaten on meanwhile.
        kept.heartbeat = startHeartbeat(adapter, kept.writeID, kept.writeID)
        error.held.keys.forEach((key) => kept.keys.set(keyString(key), key))
        if (options.onConflict) {
          options.onConflict()
        }
        if (attempt >= attempts) {
          throw gaveUp(attempts)
        }
        continue
      }
      // Nothing of this write is held any more (another write holds a document, or it failed).
      await releaseKept(adapter, kept)
      if (error instanceof IdTaken) {
        // A journaled write undone whole: what its undo stored back carries this write's id, so
        // it must not be taken for the write having landed.
        throw duplicateID(error.conflicts[0], options.req)
      }
      // One read tells both whether it landed and whether a lock is in the way.
      const current = await readConflicts(adapter, error.conflicts)
      if (await landed(adapter, { changes, conflicts: error.conflicts }, writeID, current)) {
        return
      }
      const taken = error.conflicts.find(takesID)
      if (taken) {
        throw duplicateID(taken, options.req)
      }
      const locks = await lockedByOthers(adapter, error.conflicts, current)
      if (options.onConflict) {
        options.onConflict()
      }
      await waitForLocks(adapter, error.conflicts, locks)
      if (attempt >= attempts) {
        throw gaveUp(attempts)
      }
      await jitteredDelay(Math.min(attempt, 6))
    }
  }
}

/**
 * While a write of more than 100 items holds some of the documents (documentLocks.ts), looks at
 * them until it lets go rather than computing this write again and again: often at first (most
 * such writes take a second or two), then less (two reads a look). Gives up with a 503 once the
 * holding writes have locked and applied nothing for `lockStallMs`.
 */
async function waitForLocks(
  adapter: DynamoDBAdapter,
  conflicts: DocumentChange[],
  first: LockHolders,
): Promise<void> {
  let locks = first
  let progress = locks.progress
  let progressAt = Date.now()
  for (let looks = 0; locks.held; looks++) {
    if (Date.now() - progressAt >= lockStallMs()) {
      throw stillLocked(locks, Date.now() - progressAt)
    }
    await jitteredDelay(Math.min(3 + Math.floor(looks / 8), 5))
    locks = await lockedByOthers(adapter, conflicts)
    if (locks.progress !== progress) {
      progress = locks.progress
      progressAt = Date.now()
    }
  }
}

function stillLocked(locks: LockHolders, quietMs: number): Error {
  return new APIError(
    `The documents of this write are locked by a write of more than 100 items (${locks.writes.join(', ')}) whose process is alive but has locked and applied nothing for ${Math.round(quietMs / 1000)} s. Nothing was written; retry once that write has ended.`,
    503,
    undefined,
    true,
  )
}

function gaveUp(attempts: number): Error {
  return new APIError(
    `Gave up writing after ${attempts} attempts: other requests kept changing the same documents. Retry the operation.`,
    409,
    undefined,
    true,
  )
}
