import type { PayloadRequest } from 'payload'

import { AsyncLocalStorage } from 'node:async_hooks'

import type { ItemKey } from '../keys/itemKeys.js'
import type { Doc } from '../query/types.js'

import { keyString, type Transaction } from './session.js'

/*
 * A transaction whose commit failed wrote nothing, but Payload may still write with its id before
 * rolling it back: its login writes the user it read, without the session it had added
 * (`revokeSession`). That write runs outside any transaction, as on the SQL adapters, and a write
 * that merges over what changed meanwhile (users, keepChangesMeanwhile.ts) takes the document as
 * the failed transaction first read it as its own first read: a user it read, changed meanwhile
 * by another request, keeps that request's changes instead of getting the old values back.
 */

/**
 * What the writes of failed commits first read (Transaction.firstWriteReads), per adapter and
 * transaction id, until rolled back (the oldest forgotten beyond a bound).
 */
const failed = new WeakMap<object, Map<string, ReadonlyMap<string, Doc>>>()
const FAILED_KEPT = 1000

export function rememberFailedCommit(adapter: object, id: string, transaction: Transaction): void {
  const kept = failed.get(adapter) ?? new Map<string, ReadonlyMap<string, Doc>>()
  failed.set(adapter, kept)
  kept.set(id, transaction.firstWriteReads)
  if (kept.size > FAILED_KEPT) {
    kept.delete(kept.keys().next().value as string)
  }
}

export function forgetFailedCommit(adapter: object, id: string): void {
  failed.get(adapter)?.delete(id)
}

/** What the transaction of `req` first read, if its commit failed and it was not rolled back since. */
export async function failedCommitOf(
  adapter: object,
  req: Partial<PayloadRequest> | undefined,
): Promise<ReadonlyMap<string, Doc> | undefined> {
  const id = await req?.transactionID
  return id === undefined || id === null ? undefined : failed.get(adapter)?.get(String(id))
}

const current = new AsyncLocalStorage<ReadonlyMap<string, Doc> | undefined>()

/** Runs `work` (an adapter call made with the id of a transaction whose commit failed). */
export function runAfterFailedCommit<T>(
  firstReads: ReadonlyMap<string, Doc> | undefined,
  work: () => T,
): T {
  return firstReads ? current.run(firstReads, work) : work()
}

/** The document at `key` as the failed transaction of the current call first read it to write it. */
export function readBeforeFailedCommit(key: ItemKey): Doc | undefined {
  return current.getStore()?.get(keyString(key))
}
