import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { ItemKey } from '../keys/itemKeys.js'
import type { DocumentChange } from '../transactions/session.js'
import type { LockProgress } from '../transactions/journalOwnership.js'
import type { DynamoDBAdapter } from '../types.js'

import { send } from '../storage/send.js'
import { readJournalHeader } from '../transactions/journal.js'
import { revisionOf } from '../storage/revisions.js'
import { failedConditionIndexes, transactWrite } from '../transactions/transactWrite.js'
import { inParallel } from '../utilities/inParallel.js'

/**
 * Document locks of a write of more than 100 items (the commit journal). Before its first group,
 * the write sets `lk` (its write id) on every existing document it changes, conditioned on the
 * revision it read; its own groups keep `lk` on what they store, and it is removed when the write
 * is applied or undone. Every other document write is conditioned on `lk` being absent (see
 * `lockClause`), so nobody changes a document between the write's read and its last group: later
 * groups store what the write computed over exactly what it read, and an undo stores back what
 * was there. A writer that meets a lock waits for it (`lockedByOthers` in lockWaits.ts).
 */
export const LOCK_ATTRIBUTE = 'lk'

/** How many lock or unlock requests are in flight at once. */
const PARALLEL_REQUESTS = 10

function compareKeys(x: ItemKey, y: ItemKey): number {
  return x.pk < y.pk ? -1 : x.pk > y.pk ? 1 : x.sk < y.sk ? -1 : x.sk > y.sk ? 1 : 0
}

/** The condition a document write adds: not locked, or locked by this write. */
export function lockClause(writeID: string): {
  expression: string
  names: Record<string, string>
  values: Record<string, unknown>
} {
  return {
    expression: '(attribute_not_exists(#lk) OR #lk = :lk)',
    names: { '#lk': LOCK_ATTRIBUTE },
    values: { ':lk': writeID },
  }
}

/** The condition of a journaled write's own group: the document carries its lock. */
export function heldClause(writeID: string): ReturnType<typeof lockClause> {
  return { expression: '#lk = :lk', names: { '#lk': LOCK_ATTRIBUTE }, values: { ':lk': writeID } }
}

/**
 * Locks documents as they are now (no revision read): for journals of versions that did not lock
 * their documents. A document locked by another write (or gone) is left as it is.
 */
export async function lockAsTheyAre(
  adapter: DynamoDBAdapter,
  keys: ItemKey[],
  writeID: string,
): Promise<void> {
  await inParallel(keys, PARALLEL_REQUESTS, (key) =>
    setLock(adapter, key, writeID, 'attribute_exists(pk)'),
  )
}

/** What the lock step found: documents another write holds (or that are gone), and newer ones. */
export type LockOutcome = {
  /** Locked by another write, or deleted: nothing is left locked (the write starts over). */
  held: DocumentChange[]
  /** Changed since they were read, and locked now as they are: the write is computed again. */
  newer: DocumentChange[]
}

/**
 * Sets this write's lock on one document, if `read` (a condition on it) holds and the document
 * is not locked by another write (or, with `from`, is locked by that ended write).
 */
async function setLock(
  adapter: DynamoDBAdapter,
  key: ItemKey,
  writeID: string,
  read: string,
  values: Record<string, unknown> = {},
  from?: string,
): Promise<boolean> {
  const clause =
    from === undefined
      ? lockClause(writeID)
      : { expression: '#lk = :from', names: { '#lk': LOCK_ATTRIBUTE }, values: { ':from': from } }
  try {
    await transactWrite(adapter, [
      {
        condition: {
          expression: `${read} AND ${clause.expression}`,
          names: clause.names,
          values: { ...clause.values, ...values },
        },
        key,
        set: { [LOCK_ATTRIBUTE]: writeID },
        type: 'set',
      },
    ])
    return true
  } catch (error) {
    if (failedConditionIndexes(error, 1).length > 0) {
      return false
    }
    throw error
  }
}

/**
 * Locks the documents the changes read (creates have nothing to lock), each on the revision
 * read. A document that moved on meanwhile is locked as it is now (`newer`): the write must be
 * computed again, and keeps its locks for that, so writers that keep changing its documents
 * cannot hold it off for ever. A document locked by another write, or deleted, stops the step
 * (`held`): then every lock it took is removed again, once `beforeUnlock` passes (a process
 * that stalled here may have been taken over: the locks under the write's id are the taker's).
 * `lockProgress` counts the locks set, for the journal's beats.
 */
export async function lockDocuments(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  writeID: string,
  lockProgress: LockProgress = { steps: 0 },
  /** Before the locks it took are removed (`held`): throws if they may be another's by now. */
  beforeUnlock?: () => Promise<void>,
): Promise<LockOutcome> {
  // In key order, so that two such writes over the same documents meet on the first ones.
  const existing = changes
    .filter((change) => change.before !== null)
    .sort((x, y) => compareKeys(x.key, y.key))
  const outcomes = await inParallel(
    existing,
    PARALLEL_REQUESTS,
    async (change) => {
      const revision = revisionOf(change.before as object)
      const read =
        revision === undefined
          ? 'attribute_exists(pk)'
          : revision === 0
            ? 'attribute_exists(pk) AND attribute_not_exists(rev)'
            : 'rev = :rev'
      const lock = async (from?: string) => {
        if (
          await setLock(
            adapter,
            change.key,
            writeID,
            read,
            revision ? { ':rev': revision } : {},
            from,
          )
        ) {
          return 'locked' as const
        }
        return revision !== undefined &&
          (await setLock(adapter, change.key, writeID, 'attribute_exists(pk)', {}, from))
          ? ('newer' as const)
          : ('held' as const)
      }
      let outcome = await lock()
      if (outcome === 'held') {
        // A lock left by a write that ended (its process died between deleting its journal and
        // unlocking) is taken over here, rather than one document per attempt by waiting writers.
        const stale = await endedWriteLock(adapter, change.key, writeID)
        outcome = stale === undefined ? outcome : await lock(stale)
      }
      if (outcome !== 'held') {
        lockProgress.steps++
      }
      return outcome
    },
    (outcome) => outcome === 'held',
  )
  const held = existing.filter((_, index) => outcomes[index] === 'held')
  if (held.length > 0) {
    await beforeUnlock?.()
    await unlockDocuments(
      adapter,
      existing.filter((_, index) => outcomes[index] !== undefined).map((change) => change.key),
      writeID,
    )
    return { held, newer: [] }
  }
  return { held: [], newer: existing.filter((_, index) => outcomes[index] === 'newer') }
}

/** The lock on a document, when the write that set it has ended (its journal is gone). */
async function endedWriteLock(
  adapter: DynamoDBAdapter,
  key: ItemKey,
  writeID: string,
): Promise<string | undefined> {
  const out = await send<{ Item?: Record<string, unknown> }>(
    adapter,
    new GetCommand({
      ConsistentRead: true,
      ExpressionAttributeNames: { '#lk': LOCK_ATTRIBUTE },
      Key: key,
      ProjectionExpression: '#lk',
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  const owner = out.Item?.[LOCK_ATTRIBUTE]
  if (typeof owner !== 'string' || owner === writeID) {
    return undefined
  }
  // A write locks only after its journal is recorded; once the journal is gone the write has
  // ended (applied, undone or given up) and stores nothing more under its locks.
  return (await readJournalHeader(adapter, owner)) ? undefined : owner
}

/**
 * Removes this write's lock from each document still carrying it (others are left alone);
 * `lockProgress` counts them, for the journal's beats.
 */
export async function unlockDocuments(
  adapter: DynamoDBAdapter,
  keys: ItemKey[],
  writeID: string,
  lockProgress: LockProgress = { steps: 0 },
): Promise<void> {
  await inParallel(keys, PARALLEL_REQUESTS, async (key) => {
    try {
      await send(
        adapter,
        new UpdateCommand({
          // Also keeps a deleted document deleted: an update never creates it here.
          ConditionExpression: '#lk = :lk',
          ExpressionAttributeNames: { '#lk': LOCK_ATTRIBUTE },
          ExpressionAttributeValues: { ':lk': writeID },
          Key: key,
          ReturnConsumedCapacity: 'TOTAL',
          TableName: adapter.tableName,
          UpdateExpression: 'REMOVE #lk',
        }),
      )
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') {
        throw error
      }
    }
    lockProgress.steps++
  })
}
