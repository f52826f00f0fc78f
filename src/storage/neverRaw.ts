import { passesThrough, toAPIError } from './errors.js'

/**
 * The adapter's boundary. `send()` passes `ConditionalCheckFailedException` and
 * `TransactionCanceledException` through for the write path to interpret; one that no step
 * interpreted (a cancellation by conflicts past every retry, a throttled transaction) reaches
 * Payload as an `APIError` saying what happened and what to do, never as the SDK's error.
 */
export function neverRaw<This, Args extends unknown[], Result>(
  operation: (this: This, ...args: Args) => Promise<Result>,
): (this: This, ...args: Args) => Promise<Result> {
  return async function guarded(this: This, ...args: Args): Promise<Result> {
    try {
      return await operation.apply(this, args)
    } catch (error) {
      throw passesThrough(error) ? toAPIError(error) : error
    }
  }
}
