import type { PayloadRequest } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { neverRaw } from '../storage/neverRaw.js'
import { transactionOf } from './lifecycle.js'
import { runInTransaction } from './session.js'

/**
 * Wraps an adapter operation so that everything it does (its reads, the relationship lookups
 * they make, its writes) belongs to the transaction of `args.req`, or explicitly to none; what
 * it throws reaches Payload as Payload's errors (`neverRaw`).
 */
export function bindTransaction<Args, Result>(
  operation: (this: DynamoDBAdapter, args: Args) => Promise<Result>,
  /** Whether it writes: refused with the id of a transaction whose commit failed (lifecycle.ts). */
  writes = false,
): (this: DynamoDBAdapter, args: Args) => Promise<Result> {
  return neverRaw(async function bound(this: DynamoDBAdapter, args: Args): Promise<Result> {
    const req = (args as { req?: Partial<PayloadRequest> } | undefined)?.req
    const transaction = await transactionOf(this, req, { writes })
    return runInTransaction(transaction, () => operation.call(this, args))
  })
}

/** `bindTransaction` for an operation that writes. */
export const bindWrite = <Args, Result>(
  operation: (this: DynamoDBAdapter, args: Args) => Promise<Result>,
) => bindTransaction(operation, true)
