import { APIError } from 'payload'

import { passesThrough, toAPIError } from './errors.js'

/**
 * The write path's own conflict (write/groupFailures.ts and its kinds), which every write
 * interprets; one that escaped all of them (a journal of another process that could not be
 * finished, past its retries) is known here by name, without this module importing the write path.
 */
const WRITE_CONFLICTS = new Set(['IdTaken', 'LocksKept', 'RevisionConflict'])

function conflictGivenUp(error: Error): Error {
  const apiError = new APIError(
    'Other requests kept changing the documents this operation needed, and it gave up. Retry the operation.',
    409,
    undefined,
    true,
  )
  Object.defineProperty(apiError, 'cause', { configurable: true, value: error, writable: true })
  return apiError
}

/**
 * The adapter's boundary. `send()` passes `ConditionalCheckFailedException` and
 * `TransactionCanceledException` through for the write path to interpret; one that no step
 * interpreted (a cancellation by conflicts past every retry, a throttled transaction) reaches
 * Payload as an `APIError` saying what happened and what to do, never as the SDK's error. So
 * does a conflict of the write path that no retry resolved.
 */
export function neverRaw<This, Args extends unknown[], Result>(
  operation: (this: This, ...args: Args) => Promise<Result>,
): (this: This, ...args: Args) => Promise<Result> {
  return async function guarded(this: This, ...args: Args): Promise<Result> {
    try {
      return await operation.apply(this, args)
    } catch (error) {
      if (error instanceof Error && WRITE_CONFLICTS.has(error.name)) {
        throw conflictGivenUp(error)
      }
      throw passesThrough(error) ? toAPIError(error) : error
    }
  }
}
