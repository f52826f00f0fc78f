/**
 * How long a read lease lasts without being confirmed, and how long a writer that takes it back
 * waits. `PAYLOAD_DYNAMODB_READ_LEASE_MS` changes the duration (the tests shorten it); every
 * process of a table must use the same value, as for the index state's age.
 */
const DEFAULT_LEASE_MS = 2_000

export function leaseDuration(): number {
  const configured = Number(process.env.PAYLOAD_DYNAMODB_READ_LEASE_MS)
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_LEASE_MS
}

/** The holder confirms its lease this often while it answers from it. */
export function leaseRenewalInterval(): number {
  return leaseDuration() / 3
}

/**
 * What a writer waits after it saw the lease being taken back: the holder's last confirmation
 * was sent before that, so its lease ends at most `leaseDuration()` later. The margin covers
 * timer lateness and clock-rate differences between the two machines.
 */
export function revocationWait(): number {
  const duration = leaseDuration()
  return Math.ceil(duration * 1.1) + 100
}

/** The longest cooldown: also what a clear sets on every lease while it runs (claimWrite.ts). */
export const MAX_COOLDOWN_MS = 3_600_000

/**
 * After a writer took the lease back, no process takes it for a while: 15 lease durations (30 s
 * by default), doubling with each revocation up to an hour, so a table with several writers soon
 * stops paying the wait.
 */
export function cooldownAfter(revocations: number): number {
  const doublings = Math.max(0, Math.min(revocations, 20) - 1)
  return Math.min(MAX_COOLDOWN_MS, 15 * leaseDuration() * 2 ** doublings)
}

/** A held lease nobody answered from for this long is given back. */
export const LEASE_IDLE_MS = 30_000

/** Clean stamp checks in a row (no other process's write seen) before a lease is taken. */
export const CLEAN_CHECKS_BEFORE_LEASE = 5
