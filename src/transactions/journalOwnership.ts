import type { DynamoDBAdapter } from '../types.js'
import type { JournalHeader } from './journal.js'
import type { WriteAction, WriteCondition } from './transactWrite.js'

import { isConditionFailure } from '../storage/errors.js'
import { journalGraceMs, JournalTakenOver, LEGACY_GRACE_MS } from './journalGrace.js'
import { transactWrite } from './transactWrite.js'
import type { JournalOutcome } from './journalOutcome.js'

import { headerKey, ownerCondition, readJournalHeader } from './journal.js'
import { deleteOutcome, readOutcome } from './journalOutcome.js'

type Store = Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>

/**
 * Who applies a commit journal (journal.ts). The header names its owner (`owner`: the write id for
 * the process that wrote it, a fresh token for a process that took it over) and when the owner
 * last showed it was alive (`beat`, refreshed every `graceMs / 6` while it works). A journal whose
 * owner has not beaten for the grace period is taken over (the owner's period, `grace` on the
 * header: a process configured with a shorter one does not take a live write of a slower-beating
 * process) with one conditional update, so only
 * one process takes it; every group, undo and the journal's own rewrite or delete is conditioned
 * on the owner (the fence), so a process that was only slow (a long pause, a partition) and comes
 * back after being taken over writes nothing more.
 *
 * Headers of earlier versions have neither: they count from `createdAt`, with the old 60 s grace.
 */

/** Since when the journal's owner has given no sign of life (ms), and how long it may. */
export function silence(header: JournalHeader, now = Date.now()): { allowed: number; for: number } {
  return header.owner === undefined
    ? { allowed: LEGACY_GRACE_MS, for: now - header.createdAt }
    : { allowed: header.grace ?? journalGraceMs(), for: now - (header.beat ?? header.createdAt) }
}

/** Whether the journal's owner is gone (no beat for the grace period): it may be taken over. */
export function abandoned(header: JournalHeader, now = Date.now()): boolean {
  const quiet = silence(header, now)
  return quiet.for >= quiet.allowed
}

/** Writes nothing: a transaction carrying it holds only while `owner` owns the journal. */
export function journalFence(writeID: string, owner: string): WriteAction {
  return { condition: ownerCondition(owner), key: headerKey(writeID), type: 'check' }
}

/**
 * Takes over a journal whose owner is gone, if nobody else did since `header` was read (nor the
 * owner beat again). Returns whether `owner` now owns it.
 */
export async function claimJournal(
  adapter: Store,
  header: JournalHeader,
  owner: string,
): Promise<boolean> {
  const seen: WriteCondition =
    header.owner === undefined
      ? {
          expression: 'attribute_not_exists(#owner) AND createdAt = :created',
          names: { '#owner': 'owner' },
          values: { ':created': header.createdAt },
        }
      : {
          expression: '#owner = :seen AND #beat = :beat',
          names: { '#beat': 'beat', '#owner': 'owner' },
          values: { ':beat': header.beat, ':seen': header.owner },
        }
  try {
    // Its own grace period from now on: it beats at its own pace.
    await setOnHeader(
      adapter,
      header.writeID,
      { beat: Date.now(), grace: journalGraceMs(), owner },
      seen,
    )
    return true
  } catch (error) {
    if (!isConditionFailure(error)) {
      throw error
    }
    // The SDK may have sent it again after a lost answer, and met its own claim.
    return (await readJournalHeader(adapter, header.writeID))?.owner === owner
  }
}

/**
 * Shows the owner is alive (and, with `lockSteps`, how many documents it has locked or unlocked
 * so far). Returns false when the journal is no longer its own (or gone).
 */
export async function beatJournal(
  adapter: Store,
  writeID: string,
  owner: string,
  lockSteps?: number,
): Promise<boolean> {
  const set = lockSteps === undefined ? { beat: Date.now() } : { beat: Date.now(), lockSteps }
  try {
    await setOnHeader(adapter, writeID, set, ownerCondition(owner))
    return true
  } catch (error) {
    if (isConditionFailure(error)) {
      return false
    }
    // Unreachable for now: the next beat tries again (the grace period is six beats long).
    return true
  }
}

/** Sets attributes of a journal header, if `condition` holds (one conditional UpdateItem). */
function setOnHeader(
  adapter: Store,
  writeID: string,
  set: Record<string, unknown>,
  condition: WriteCondition,
): Promise<void> {
  return transactWrite(adapter, [{ condition, key: headerKey(writeID), set, type: 'set' }])
}

/**
 * Throws `JournalTakenOver` unless `owner` still owns the write's journal (gone: another process
 * took it over and ended it). Checked before undoing what a stalled process's lock step did: the
 * locks under the write's id may be the taker's by then.
 */
export async function assertJournalOwner(
  adapter: DynamoDBAdapter,
  writeID: string,
  owner: string,
): Promise<void> {
  if ((await readJournalHeader(adapter, writeID))?.owner !== owner) {
    throw new JournalTakenOver(writeID)
  }
}

export type Heartbeat = { stop(): void }

/**
 * How many documents a write has locked or unlocked so far: the beats carry it to writers waiting
 * for those locks, for whom a long lock (or unlock) step is progress, as an applied group is.
 */
export type LockProgress = { steps: number }

/**
 * Beats for `owner` until stopped, or until a beat finds the journal is no longer its own (then
 * the fence stops this process's next request of that write; nothing else needs to know).
 */
export function startHeartbeat(
  adapter: Store,
  writeID: string,
  owner: string,
  lockProgress?: LockProgress,
): Heartbeat {
  let inFlight = false
  const timer = setInterval(() => {
    if (inFlight) {
      return
    }
    inFlight = true
    beatJournal(adapter, writeID, owner, lockProgress?.steps)
      .then((owned) => {
        if (!owned) {
          clearInterval(timer)
        }
      })
      .catch(() => undefined)
      .finally(() => {
        inFlight = false
      })
  }, journalGraceMs() / 6)
  timer.unref()
  return { stop: () => clearInterval(timer) }
}

/**
 * For a process whose write was taken over: waits for the process that took it to end it, as
 * long as that one goes on (locks or unlocks documents, applies a group, or the write changes
 * hands, at least once a grace period), and returns how it ended, or undefined if it stopped making progress before the end.
 */
export async function awaitOutcome(
  adapter: Store,
  writeID: string,
): Promise<JournalOutcome | undefined> {
  let progress: string | undefined
  let progressAt = Date.now()
  for (let look = 0; Date.now() - progressAt < journalGraceMs(); look++) {
    const header = await readJournalHeader(adapter, writeID)
    if (!header) {
      const outcome = await readOutcome(adapter, writeID)
      if (outcome) {
        await deleteOutcome(adapter, writeID)
      }
      return outcome
    }
    const now = `${header.owner ?? ''}:${header.lockSteps ?? 0}:${header.done.size}`
    if (now !== progress) {
      progress = now
      progressAt = Date.now()
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** look, 1000)))
  }
  return undefined
}
