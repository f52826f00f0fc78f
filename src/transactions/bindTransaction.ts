import type { PayloadRequest } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { neverRaw } from '../storage/neverRaw.js'
import { transactionOf } from './lifecycle.js'
import { failedCommitOf, runAfterFailedCommit } from './failedCommits.js'
import { runInTransaction } from './session.js'

/**
 * Wraps an adapter operation so that everything it does (its reads, the relationship lookups
 * they make, its writes) belongs to the transaction of `args.req`, or explicitly to none; what
 * it throws reaches Payload as Payload's errors (`neverRaw`).
 */
export function bindTransaction<Args, Result>(
  operation: (this: DynamoDBAdapter, args: Args) => Promise<Result>,
): (this: DynamoDBAdapter, args: Args) => Promise<Result> {
  return neverRaw(async function bound(this: DynamoDBAdapter, args: Args): Promise<Result> {
    const req = (args as { req?: Partial<PayloadRequest> } | undefined)?.req
    const transaction = await transactionOf(this, req)
    const failed = transaction ? undefined : await failedCommitOf(this, req)
    return runInTransaction(transaction, () =>
      runAfterFailedCommit(failed, () => operation.call(this, args)),
    )
  })
}
