import type { PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { JournalChange } from '../transactions/journal.js'
import type { DocumentChange } from '../transactions/session.js'
import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'

import { namespaceOf } from '../namespaces.js'
import { revisionOf } from '../storage/revisions.js'
import { batchGetByKey } from '../storage/documentStore.js'
import {
  deleteJournal,
  markGroupDone,
  readJournalHeader,
  writeJournal,
} from '../transactions/journal.js'
import { JournalTakenOver, UnfinishedWrite } from '../transactions/journalGrace.js'
import {
  awaitOutcome,
  journalFence,
  type LockProgress,
  startHeartbeat,
} from '../transactions/journalOwnership.js'
import { keyString } from '../transactions/session.js'
import {
  failedConditionIndexes,
  jitteredDelay,
  MAX_TRANSACTION_ACTIONS,
  transactWrite,
} from '../transactions/transactWrite.js'
import { LOCK_ATTRIBUTE, lockDocuments, unlockDocuments } from './documentLocks.js'
import { landed, readConflicts } from './conflictReads.js'
import { GroupOutgrown, groupChanges, RevisionConflict, writeGroup } from './groups.js'
import { findLegacyOverflows } from './legacyOverflows.js'
import { IdTaken, removeTakenEntries, takenCreates } from './takenCreates.js'
import { releaseMarkers } from './releaseMarkers.js'
import { writeSplit } from './splitGroup.js'

/** Room for the journal mark in each group's request. */
const GROUP_CAPACITY = MAX_TRANSACTION_ACTIONS - 1

/** How often a group is computed again over newer documents before giving up. */
const REBASE_ATTEMPTS = 25

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
    readonly held: { keys: ItemKey[]; parts: number; writeID: string },
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
): Promise<void> {
  const groups = groupChanges(adapter, changes, writeID, GROUP_CAPACITY, true)
  const journal = groups.flatMap((group, index) =>
    group.changes.map((change) => journalChange(change, index)),
  )
  // The writing process owns its journal under the write id (journalOwnership.ts).
  const owner = writeID
  const parts = await writeJournal(adapter, writeID, journal, owner)
  const lockProgress: LockProgress = { steps: 0 }
  const heartbeat = startHeartbeat(adapter, writeID, owner, lockProgress)
  try {
    await applyJournaled(
      adapter,
      { changes, groups, journal, lockProgress, owner, parts, writeID },
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
      throw new ValidationError(
        outcome.validation as ConstructorParameters<typeof ValidationError>[0],
      )
    }
    // Withdrawn (nothing applied: some of its documents moved on): computed again, as after a
    // conflict on them (none carries this write's id, so it is not taken for landed).
    throw existing.length > 0 ? new RevisionConflict(existing, changes) : error
  } finally {
    heartbeat.stop()
  }
}

async function applyJournaled(
  adapter: DynamoDBAdapter,
  write: {
    changes: DocumentChange[]
    groups: ReturnType<typeof groupChanges>
    journal: JournalChange[]
    lockProgress: LockProgress
    owner: string
    parts: number
    writeID: string
  },
  req?: Partial<PayloadRequest>,
): Promise<void> {
  const { changes, groups, journal, lockProgress, owner, parts, writeID } = write
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
    locked = await lockDocuments(adapter, changes, writeID, lockProgress)
  } catch (error) {
    throw unfinished(error, true)
  }
  if (locked.held.length > 0) {
    // lockDocuments removed the locks it took.
    await abandon(new RevisionConflict(locked.held, changes), [])
  }
  if (locked.newer.length > 0) {
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
      await writeGroup(adapter, groups[0], writeID, req, markGroupDone(writeID, 0, owner))
    }
  } catch (error) {
    if (error instanceof GroupOutgrown) {
      // Indexes were recorded since it was packed. Its documents are locked as read, so every
      // group is applied over them as stored now, packed again with their entries.
      done.clear()
    } else if (!(error instanceof RevisionConflict) && !(error instanceof ValidationError)) {
      // The first group may or may not have been applied (no answer): the journal stays, and
      // the next start finishes the write from it, so it ends whole either way.
      throw unfinished(error)
    } else {
      // A first group whose response was lost was applied: go on from it.
      const applied =
        error instanceof RevisionConflict && (await landed(adapter, error.conflicts, writeID))
      if (!applied) {
        await abandon(error, changes)
      }
    }
  }
  try {
    await applyRemaining(adapter, { done, journal, owner, writeID }, req)
  } catch (error) {
    // Undone (a taken unique value or id): nothing is left to finish. Any other failure leaves
    // the journal, and the next start (or a writer past the grace period) finishes the write.
    if (error instanceof ValidationError || error instanceof IdTaken) {
      await closeJournal(adapter, writeID, journal, parts, true, lockProgress)
      throw error
    }
    throw unfinished(error)
  }
  await closeJournal(adapter, writeID, journal, parts, false, lockProgress)
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
  parts: number,
  undone: boolean,
  lockProgress?: LockProgress,
): Promise<void> {
  await releaseMarkers(adapter, journal)
  await unlockDocuments(adapter, lockedKeys(journal, undone), writeID, lockProgress)
  await deleteJournal(adapter, writeID, parts)
}

/**
 * Applies the journal's groups not yet done, each over the documents as stored now; undoes the
 * applied ones when a group cannot be applied (then rethrows why).
 */
export async function applyRemaining(
  adapter: DynamoDBAdapter,
  write: { done: Set<number>; journal: JournalChange[]; owner: string; writeID: string },
  req?: Partial<PayloadRequest>,
): Promise<void> {
  const { done, journal } = write
  const groups = [...new Set(journal.map((change) => change.group))].sort((a, b) => a - b)
  for (const group of groups) {
    if (done.has(group)) {
      continue
    }
    try {
      await applyOverCurrent(
        adapter,
        write,
        journal.filter((change) => change.group === group),
        group,
        req,
      )
      done.add(group)
    } catch (error) {
      if (error instanceof ValidationError || error instanceof IdTaken) {
        // The failed group too: packed again in several requests, some of them may have gone
        // through (undoing a change that did not is storing what is there already). A create
        // whose id another document took is not undone over that document: only what it
        // wrote ahead of its own request is removed.
        const taken = new Set(
          error instanceof IdTaken ? error.conflicts.map((change) => keyString(change.key)) : [],
        )
        const applied = journal.filter(
          (change) =>
            (done.has(change.group) || change.group === group) && !taken.has(keyString(change.key)),
        )
        await applyOverCurrent(adapter, write, applied.map(inverse), undefined, req)
        if (error instanceof IdTaken) {
          await removeTakenEntries(adapter, error.conflicts)
        }
      }
      throw error
    }
  }
}

function inverse(change: JournalChange): JournalChange {
  return { ...change, after: change.before, before: change.after }
}

/**
 * Stores each change's `after` over whatever the document is now (its entries, markers and the
 * counter computed from the stored version), marking `group` done in the last request. Every
 * request holds only while `owner` owns the journal (the mark, or a fence).
 */
async function applyOverCurrent(
  adapter: DynamoDBAdapter,
  write: { owner: string; writeID: string },
  journal: JournalChange[],
  group: number | undefined,
  req?: Partial<PayloadRequest>,
): Promise<void> {
  const { owner, writeID } = write
  for (let attempt = 1; ; attempt++) {
    const current = await batchGetByKey(
      adapter,
      journal.map((change) => change.key),
    )
    const taken = group === undefined ? [] : takenCreates(adapter, journal, current, writeID)
    if (taken.length > 0) {
      throw new IdTaken(taken)
    }
    const changes: DocumentChange[] = journal
      .map((change) => ({
        after: change.after,
        before: current.get(keyString(change.key)) ?? null,
        key: change.key,
        namespace: namespaceOf(adapter, change.kind, change.slug),
        recorded: change.before,
        unindexed: change.unindexed,
      }))
      .filter((change) => change.after !== null || change.before !== null)
    await findLegacyOverflows(adapter, changes)
    const packed = groupChanges(adapter, changes, writeID, GROUP_CAPACITY, true)
    try {
      for (const [index, part] of packed.entries()) {
        const last = index === packed.length - 1
        const extra =
          last && group !== undefined
            ? markGroupDone(writeID, group, owner)
            : journalFence(writeID, owner)
        await (part.split ? writeSplit : writeGroup)(adapter, part, writeID, req, extra)
      }
      if (packed.length === 0 && group !== undefined) {
        await markAlone(adapter, writeID, group, owner)
      }
      return
    } catch (error) {
      const again = error instanceof RevisionConflict || error instanceof GroupOutgrown
      if (!again || attempt >= REBASE_ATTEMPTS) {
        throw error
      }
      if (
        error instanceof RevisionConflict &&
        (await endedElsewhere(adapter, error.conflicts, write))
      ) {
        throw new JournalTakenOver(writeID)
      }
      await jitteredDelay(Math.min(attempt, 6))
    }
  }
}

async function markAlone(
  adapter: DynamoDBAdapter,
  writeID: string,
  group: number,
  owner: string,
): Promise<void> {
  try {
    await transactWrite(adapter, [markGroupDone(writeID, group, owner)])
  } catch (error) {
    throw failedConditionIndexes(error, 1).length > 0 ? new JournalTakenOver(writeID) : error
  }
}

/**
 * After a group failed on its documents: whether the write was ended by another process (it
 * took the journal over, applied or undid it and removed the locks), rather than a document
 * being in the way. Then nothing more of it may be stored.
 */
async function endedElsewhere(
  adapter: DynamoDBAdapter,
  conflicts: DocumentChange[],
  write: { owner: string; writeID: string },
): Promise<boolean> {
  const items = await readConflicts(adapter, conflicts)
  if ([...items.values()].every((item) => item[LOCK_ATTRIBUTE] === write.writeID)) {
    return false
  }
  const header = await readJournalHeader(adapter, write.writeID)
  return header === undefined || header.owner !== write.owner
}
