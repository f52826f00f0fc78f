import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import type { JournalHeader } from './journal.js'

import { applyRemaining, closeJournal } from '../write/journaledCommit.js'
import { openJournals, readJournalChanges } from './journal.js'

/** A journal younger than this may belong to a write another process is still applying. */
export const JOURNAL_GRACE_MS = 60_000

/**
 * Finishes writes that a process left part-way (it died between the groups of a write of more
 * than 100 items): each is applied to the end from its journal, or undone when it can no longer
 * be applied. Runs on connect, and once more after the grace period for journals that were too
 * young then (`deferred`).
 */
export async function finishOpenCommits(
  adapter: DynamoDBAdapter,
  options: { olderThanMs?: number } = {},
): Promise<{ deferred: number; finished: number }> {
  const olderThan = options.olderThanMs ?? JOURNAL_GRACE_MS
  let finished = 0
  let deferred = 0
  for (const header of await openJournals(adapter)) {
    if (Date.now() - header.createdAt < olderThan) {
      deferred++
      continue
    }
    await finishJournal(adapter, header)
    finished++
  }
  return { deferred, finished }
}

/** Applies one left journal to the end (or undoes it), then closes it (markers, locks, record). */
export async function finishJournal(
  adapter: DynamoDBAdapter,
  header: JournalHeader,
): Promise<void> {
  const journal = await readJournalChanges(adapter, header)
  let undone = false
  try {
    await applyRemaining(adapter, header.writeID, journal, header.done)
    adapter.payload.logger.info(
      `payload-db-dynamodb: finished an interrupted write of ${journal.length} documents (${header.writeID}).`,
    )
  } catch (error) {
    if (!(error instanceof ValidationError)) {
      // Not applied, not undone (the engine is unreachable, say): left for the next run.
      throw error
    }
    undone = true
    adapter.payload.logger.error({
      err: error,
      msg: `payload-db-dynamodb: an interrupted write (${header.writeID}) could not be applied and was undone.`,
    })
  }
  await closeJournal(adapter, header.writeID, journal, header.parts, undone)
}
