/**
 * Applying a journaled write's groups over the documents as stored (journaledCommit.ts records
 * and locks; this stores, or undoes).
 */
import type { PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { JournalChange } from '../transactions/journal.js'
import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { namespaceOf } from '../namespaces.js'
import { batchGetByKey, batchGetItems } from '../storage/documentStore.js'
import { markGroupBegun, markGroupDone, readJournalHeader } from '../transactions/journal.js'
import { JournalTakenOver } from '../transactions/journalGrace.js'
import { markUndoing, undoneValidation } from '../transactions/journalUndo.js'
import { journalFence } from '../transactions/journalOwnership.js'
import { keyString } from '../transactions/session.js'
import {
  failedConditionIndexes,
  jitteredDelay,
  MAX_TRANSACTION_ACTIONS,
  transactWrite,
} from '../transactions/transactWrite.js'
import { LOCK_ATTRIBUTE } from './documentLocks.js'
import { readConflicts } from './conflictReads.js'
import { GroupOutgrown, groupChanges, RevisionConflict, writeGroup } from './groups.js'
import { findLegacyOverflows } from './legacyOverflows.js'
import { IdTaken, recreatedDeletes, removeTakenEntries, takenCreates } from './takenCreates.js'
import { finishDeferred, writeSplit } from './splitGroup.js'
import { refusal, WriteRefused } from './refusedWrite.js'

/** Room for the journal mark in each group's request. */
export const GROUP_CAPACITY = MAX_TRANSACTION_ACTIONS - 1

/** How often a group is computed again over newer documents before giving up. */
const REBASE_ATTEMPTS = 25

/**
 * Applies the journal's groups not yet done, each over the documents as stored now; undoes the
 * applied ones when a group cannot be applied (then rethrows why).
 */
export async function applyRemaining(
  adapter: DynamoDBAdapter,
  write: {
    done: Set<number>
    journal: JournalChange[]
    /**
     * The writer's own checks, run on each group as it is packed (over indexes recorded since
     * the write was judged, a refusal undoes the write); not given when another process
     * finishes the write.
     */
    judge?: (changes: DocumentChange[]) => void
    owner: string
    writeID: string
  },
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
    } catch (failure) {
      // A request DynamoDB refused as invalid is refused again on every attempt: undone too.
      const error = refusal(failure) ?? failure
      if (
        error instanceof ValidationError ||
        error instanceof IdTaken ||
        error instanceof WriteRefused
      ) {
        // Recorded first: whoever ends the write from now on undoes it (journalUndo.ts).
        await markUndoing(adapter, write.writeID, write.owner, {
          group,
          validation: undoneValidation(error),
        })
        await undoApplied(adapter, write, group, req)
      }
      throw error
    }
  }
}

/**
 * Undoes a journaled write over the documents as stored: the groups applied and `failed`, the
 * one that could not be (packed again in several requests, some of them may have gone through;
 * undoing a change that did not is storing what is there already). A create whose id another
 * document took is not undone over that document: only what it wrote ahead of its own request
 * is removed. Run again by whoever ends a write marked `undoing`, it stores the same.
 */
export async function undoApplied(
  adapter: DynamoDBAdapter,
  write: { done: Set<number>; journal: JournalChange[]; owner: string; writeID: string },
  failed: number,
  req?: Partial<PayloadRequest>,
): Promise<void> {
  const { done, journal, writeID } = write
  const undoing = journal.filter((change) => done.has(change.group) || change.group === failed)
  const { recreated, undone } = await releasedByUndo(adapter, undoing, writeID)
  const applied = undoing.filter((change) => !undone.has(keyString(change.key)))
  const current = await batchGetByKey(
    adapter,
    applied.map((change) => change.key),
  )
  const taken = takenCreates(adapter, applied, current, writeID)
  const left = new Set([...taken, ...recreated].map((change) => keyString(change.key)))
  // Never judged (undoing restores what was stored).
  await applyOverCurrent(
    adapter,
    { owner: write.owner, writeID: write.writeID },
    applied.filter((change) => !left.has(keyString(change.key))).map(inverse),
    undefined,
    req,
  )
  for (const change of recreated) {
    adapter.payload.logger.error({
      deleted: change.before,
      msg: `payload-db-dynamodb: a write of more than 100 items (${writeID}) was undone, but a document it had deleted (${change.slug} ${String(change.before?.id)}) was created again under the same id by another request meanwhile; that one stays, and the deleted document (logged here as \`deleted\`) is not stored back.`,
    })
  }
  if (taken.length > 0) {
    await removeTakenEntries(adapter, taken)
  }
}

/**
 * The documents an undo already stored back and unlocked (its end was cut off while it removed
 * the locks): they carry the write's id but no longer its lock, which storing them again needs.
 * A lock is removed only once the undo stored every document back, so they are done. And the
 * deletes whose id another request created a document under since (`recreatedDeletes`).
 */
async function releasedByUndo(
  adapter: DynamoDBAdapter,
  journal: JournalChange[],
  writeID: string,
): Promise<{ recreated: JournalChange[]; undone: Set<string> }> {
  const items = await batchGetItems(
    adapter,
    journal.map((change) => change.key),
  )
  const undone = new Set(
    [...items.entries()].flatMap(([key, item]) =>
      item[LOCK_ATTRIBUTE] !== writeID && Array.isArray(item.w) && item.w.includes(writeID)
        ? [key]
        : [],
    ),
  )
  return { recreated: recreatedDeletes(journal, items, writeID), undone }
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
  write: {
    judge?: (changes: DocumentChange[]) => void
    owner: string
    writeID: string
  },
  journal: JournalChange[],
  group: number | undefined,
  req?: Partial<PayloadRequest>,
): Promise<void> {
  const { judge, owner, writeID } = write
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
    // Over the indexes this process knows now, which another write or a query may have
    // reloaded since the write was judged.
    judge?.(changes)
    const packed = groupChanges(adapter, changes, writeID, GROUP_CAPACITY, true)
    try {
      for (const [index, part] of packed.entries()) {
        const last = index === packed.length - 1
        // A group's earlier requests record that it began: recovery must not take a group
        // part-applied for nothing applied (and withdraw the write half applied).
        const extra =
          group === undefined
            ? journalFence(writeID, owner)
            : last
              ? markGroupDone(writeID, group, owner)
              : markGroupBegun(writeID, group, owner)
        await (part.split
          ? writeSplit(adapter, part, writeID, req, extra)
          : writeGroup(adapter, part, writeID, req, extra, judge))
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
      // A split document's own request may have been applied though its answer was lost (the
      // retry then met its own revision): what it recorded to move after it is moved first.
      if (packed.some((part) => part.split)) {
        await finishDeferred(adapter, write.writeID)
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
