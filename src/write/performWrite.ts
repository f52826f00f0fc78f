import type { PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { APIError, ValidationError } from 'payload'

import type { DocumentChange, WriteStep } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import type { ItemReader } from '../storage/documentStore.js'

import { activeTransaction, isGuard } from '../transactions/session.js'
import { jitteredDelay } from '../transactions/transactWrite.js'
import { checkUniqueInTransaction, refuseTakenInTransaction } from '../transactions/uniqueCheck.js'
import { commitChanges, RevisionConflict } from './commitChanges.js'
import { landed } from './groups.js'
import { lockedByOthers } from './lockWaits.js'
import { assertNoRepeatedUniqueValues } from './repeatedValues.js'

/** How often a write whose documents moved on meanwhile is computed again before giving up. */
export const REVISION_ATTEMPTS = 25

/**
 * How long a writer waits for documents locked by a write of more than 100 items (beyond its
 * attempts): past the journal's grace period (recover.ts) the writer finishes that write itself.
 */
const LOCK_WAIT_MS = 65_000

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
    const changes = await step()
    assertNoRepeatedUniqueValues(adapter, changes, req)
    await Promise.all([checks, checkUniqueInTransaction(adapter, transaction, changes, req, read)])
    refuseTakenInTransaction(adapter, transaction, changes, req)
    changes.forEach((change) => transaction.stage(change))
    transaction.steps.push(step)
    return
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
  const attempts = options.attempts ?? REVISION_ATTEMPTS
  const waitUntil = Date.now() + LOCK_WAIT_MS
  for (let attempt = 1; ; attempt++) {
    const changes = await step()
    if (changes.length === 0) {
      return
    }
    assertNoRepeatedUniqueValues(adapter, changes, options.req)
    const writeID = randomUUID()
    try {
      await commitChanges(adapter, changes, { req: options.req, writeID })
      return
    } catch (error) {
      if (!(error instanceof RevisionConflict)) {
        throw error
      }
      if (await landed(adapter, error.conflicts, writeID)) {
        return
      }
      const taken = error.conflicts.find((change) => change.before === null && !isGuard(change))
      if (taken) {
        throw duplicateID(taken, options.req)
      }
      let locked = await lockedByOthers(adapter, error.conflicts)
      if (options.onConflict) {
        options.onConflict()
      }
      // A write of more than 100 items holds some of the documents (documentLocks.ts): rather
      // than computing this write again and again, look at them until it lets go.
      while (locked && Date.now() < waitUntil) {
        await jitteredDelay(3)
        locked = await lockedByOthers(adapter, error.conflicts)
      }
      if (attempt >= attempts) {
        throw new APIError(
          `Gave up writing after ${attempts} attempts: other requests kept changing the same documents. Retry the operation.`,
          409,
          undefined,
          true,
        )
      }
      await jitteredDelay(Math.min(attempt, 6))
    }
  }
}

function duplicateID(change: DocumentChange, req?: Partial<PayloadRequest>): ValidationError {
  const id = (change.after as { id: unknown }).id
  return new ValidationError({
    collection: change.namespace.kind === 'collection' ? change.namespace.slug : undefined,
    errors: [{ message: `A document with id "${String(id)}" already exists.`, path: 'id' }],
    req,
  })
}
