import type {
  BeginTransaction,
  CommitTransaction,
  PayloadRequest,
  RollbackTransaction,
} from 'payload'

import { APIError } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { insideMigrations } from '../migrations/migrationLock.js'
import { writeWithRetries } from '../write/performWrite.js'
import { forgetFailedCommit, rememberFailedCommit } from './failedCommits.js'
import { type DocumentChange, runInTransaction, Transaction } from './session.js'

/** Open transactions per adapter. Nothing of a transaction is stored before its commit. */
const open = new WeakMap<object, Map<string, Transaction>>()

/**
 * A transaction unused this long, neither committed nor rolled back (a lost request), is dropped
 * if it holds writes.
 */
const ABANDONED_AFTER_MS = 60 * 60 * 1000
/** `PAYLOAD_DYNAMODB_TRANSACTION_IDLE_MS` overrides it (tests). */
const abandonedAfterMs = () =>
  Number(process.env.PAYLOAD_DYNAMODB_TRANSACTION_IDLE_MS) || ABANDONED_AFTER_MS

/** Idle transactions that hold no write, kept past that (a bound: lost requests leave some). */
const IDLE_KEPT = 1000

/** Ids of dropped transactions, so a late call with one fails instead of writing outside it. */
const expired = new WeakMap<object, Set<string>>()
const EXPIRED_KEPT = 1000

function expiredError(id: string): APIError {
  return new APIError(
    `Transaction ${id} held writes but was unused for an hour, and was dropped; nothing it held was written. Retry the operation.`,
    410,
    null,
    true,
  )
}

function transactionsOf(adapter: object): Map<string, Transaction> {
  let map = open.get(adapter)
  if (!map) {
    map = new Map()
    open.set(adapter, map)
  }
  return map
}

/** The open transaction a request belongs to (Payload keeps its id on `req.transactionID`). */
export async function transactionOf(
  adapter: DynamoDBAdapter,
  req: Partial<PayloadRequest> | undefined,
): Promise<Transaction | undefined> {
  const id = await req?.transactionID
  if (id === undefined || id === null) {
    return undefined
  }
  const transaction = transactionsOf(adapter).get(String(id))
  if (!transaction && expired.get(adapter)?.has(String(id))) {
    throw expiredError(String(id))
  }
  if (transaction) {
    transaction.lastUsed = Date.now()
  }
  return transaction
}

export const beginTransaction: BeginTransaction = async function beginTransaction(
  this: DynamoDBAdapter,
) {
  const transactions = transactionsOf(this)
  const now = Date.now()
  let idleKept = 0
  for (const [id, transaction] of transactions) {
    if (now - transaction.lastUsed > abandonedAfterMs() && !transaction.keptIdle) {
      // One that holds no write loses nothing by waiting: `payload migrate` keeps its
      // transaction while a long `up` writes without it, and commits it at the end.
      if (transaction.isEmpty && transaction.steps.length === 0 && idleKept < IDLE_KEPT) {
        transaction.clearStaged()
        idleKept++
        continue
      }
      transactions.delete(id)
      const ids = expired.get(this) ?? new Set<string>()
      expired.set(this, ids)
      ids.add(id)
      if (ids.size > EXPIRED_KEPT) {
        ids.delete(ids.values().next().value as string)
      }
    }
  }
  const transaction = new Transaction()
  // A migration's: `payload migrate` commits it when its `up` ends, which may write without it
  // for hours (a backfill) after writing with it.
  transaction.keptIdle = insideMigrations(this)
  transactions.set(transaction.id, transaction)
  return transaction.id
}

export const rollbackTransaction: RollbackTransaction = async function rollbackTransaction(
  this: DynamoDBAdapter,
  incomingID,
) {
  const id = String(await incomingID)
  transactionsOf(this).delete(id)
  forgetFailedCommit(this, id)
}

export const commitTransaction: CommitTransaction = async function commitTransaction(
  this: DynamoDBAdapter,
  incomingID,
) {
  const id = String(await incomingID)
  const transaction = transactionsOf(this).get(id)
  if (!transaction) {
    if (expired.get(this)?.has(id)) {
      throw expiredError(id)
    }
    return
  }
  try {
    await commitStaged(this, transaction)
  } catch (error) {
    rememberFailedCommit(this, id, transaction)
    throw error
  } finally {
    transactionsOf(this).delete(id)
  }
}

function stagedChanges(transaction: Transaction): DocumentChange[] {
  return transaction
    .stagedDocuments()
    .filter((staged) => staged.base !== null || staged.after !== null)
    .map((staged) => ({
      after: staged.after,
      before: staged.base,
      derivedID: staged.derivedID,
      key: staged.key,
      namespace: staged.namespace,
    }))
}

/**
 * The most times one attempt of a commit runs its steps again (more only while documents saved
 * meanwhile keep being found, each once: an `updateMany` over documents other requests save).
 */
const MAX_STEP_RUNS = 5

async function runStepsAgain(transaction: Transaction): Promise<void> {
  transaction.stampsMoved.clear()
  transaction.lastStampMoved = ''
  transaction.clearStaged()
  await runInTransaction(transaction, async () => {
    for (const step of transaction.steps) {
      ;(await step()).forEach((change) => transaction.stage(change))
    }
  })
}

/**
 * Writes what the transaction staged, conditioned on the revisions its documents were read at.
 * When another writer changed one of them meanwhile, the transaction's writes are computed again
 * over the newer documents (as a SQL database applies an UPDATE to the newest row version) or,
 * with `transactionOptions: { onConflict: 'fail' }`, the commit fails and writes nothing.
 */
async function commitStaged(adapter: DynamoDBAdapter, transaction: Transaction): Promise<void> {
  let first = true
  const failOnConflict = adapter.transactionConflicts === 'fail'
  await writeWithRetries(
    adapter,
    async () => {
      if (!first) {
        transaction.replaying = true
        // A document found saved meanwhile has its stamps moved (write/replayStamp.ts) from the
        // first step on: the steps run again when one is found, so that the document and its
        // versions move together (steps run in parallel interleave).
        let known: number
        let runs = 0
        do {
          known = transaction.savedMeanwhile.size
          await runStepsAgain(transaction)
          runs++
        } while (transaction.savedMeanwhile.size > known && runs < MAX_STEP_RUNS)
      }
      first = false
      return stagedChanges(transaction)
    },
    {
      req: transaction.translator,
      onConflict: failOnConflict
        ? () => {
            throw new APIError(
              'The transaction was not committed: a document it changed was changed by another request since this transaction read it. Nothing was written; retry the operation.',
              409,
              undefined,
              true,
            )
          }
        : undefined,
    },
  )
}
