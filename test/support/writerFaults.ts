/**
 * What the concurrent-writer tests share when they run through the fault proxy: the fault mix,
 * a shortened journal grace period, and finishing the writes a fault cut off.
 */
import type { Payload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { FaultProxy } from './faultProxy.js'

/** Shares of requests: dropped, answered but lost, 500, throttled, cancelled by a conflict. */
export const WRITER_FAULT_RATES = {
  drop: 0.03,
  lostResponse: 0.03,
  serverError: 0.02,
  throttle: 0.03,
  transactionConflict: 0.03,
}

/** The journal grace period under faults: writes cut off are finished within the test. */
export const GRACE_MS = 1500

/** Shortens the journal grace period; returns what puts the previous one back. */
export function shortenJournalGrace(): () => void {
  const previous = process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
  process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = String(GRACE_MS)
  return () => {
    if (previous === undefined) {
      delete process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
    } else {
      process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = previous
    }
  }
}

/**
 * Faults off, then the journals that writes cut off by a fault left are finished, as the next
 * start would once the (shortened) grace period has passed.
 */
export async function finishCutOffWrites(proxy: FaultProxy | undefined, reader: Payload) {
  proxy?.configure({})
  await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 200))
  await (reader.db as unknown as DynamoDBAdapter).finishOpenCommits({ olderThanMs: 0 })
}
