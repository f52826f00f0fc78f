import { APIError } from 'payload'

import { isItemTooLarge, isRefusedRequest } from '../storage/errors.js'

/**
 * A journaled write DynamoDB refused as invalid (a key over 1024 bytes, an item over 400 KB): it
 * would fail the same way on every attempt, so it is undone (or given up before anything was
 * applied) rather than left in the journal with its documents locked.
 */
export class WriteRefused extends APIError {
  constructor(message: string, status: number) {
    super(message, status, undefined, true)
    this.name = 'WriteRefused'
  }
}

/** The caller's error for a refused request of a journaled write (`isRefusedRequest`). */
export function refusedWrite(error: unknown): WriteRefused {
  if (error instanceof WriteRefused) {
    return error
  }
  const raw = (error as { cause?: unknown }).cause ?? error
  const tooLarge =
    isItemTooLarge(raw) || (error as { data?: { kind?: unknown } }).data?.kind === 'itemTooLarge'
  const detail = ((raw as Error)?.message ?? String(raw)).replace(/\s+/g, ' ').trim()
  return new WriteRefused(
    `DynamoDB refused a request of this write of more than 100 items as invalid (${detail}). It would be refused again on every attempt, so the write was undone: nothing of it is stored. ${
      tooLarge
        ? 'Make the documents (or their indexed values) smaller'
        : 'Change the values DynamoDB refuses (an indexed or unique value too long for a key, a document too large)'
    } and send the write again.`,
    tooLarge ? 413 : 400,
  )
}

/** A failure a journaled write cannot get past by trying again: the error its caller gets. */
export function refusal(error: unknown): undefined | WriteRefused {
  return error instanceof WriteRefused || isRefusedRequest(error) ? refusedWrite(error) : undefined
}
