/**
 * What a namespace's state item (`M#indexes`, indexRecord.ts) says about its read lease: which
 * process holds it, whether a writer is taking it back, and until when no process may take it
 * again. Parsed together with the index version, from the same read (see holdLease.ts).
 */
export const LEASE_OWNER_ATTRIBUTE = 'lo'
/** The token of a revocation in progress: the holder stops answering from memory. */
export const LEASE_REVOKING_ATTRIBUTE = 'lr'
/** Wall-clock ms before which no process takes the lease again (advisory: a clock only delays). */
export const LEASE_COOLDOWN_ATTRIBUTE = 'lc'
/** How many times the lease was taken back, which lengthens the cooldown. */
export const LEASE_REVOCATIONS_ATTRIBUTE = 'ln'

export type RecordedLease = {
  cooldownUntil: number
  owner?: string
  revocations: number
  revoking?: string
}

export const NO_LEASE: RecordedLease = { cooldownUntil: 0, revocations: 0 }

export function leaseOf(item: Record<string, unknown> | undefined): RecordedLease {
  const owner = item?.[LEASE_OWNER_ATTRIBUTE]
  const revoking = item?.[LEASE_REVOKING_ATTRIBUTE]
  const cooldown = item?.[LEASE_COOLDOWN_ATTRIBUTE]
  const revocations = item?.[LEASE_REVOCATIONS_ATTRIBUTE]
  if (owner === undefined && revoking === undefined && cooldown === undefined) {
    return NO_LEASE
  }
  return {
    cooldownUntil: typeof cooldown === 'number' ? cooldown : 0,
    owner: typeof owner === 'string' ? owner : undefined,
    revocations: typeof revocations === 'number' ? revocations : 0,
    revoking: typeof revoking === 'string' ? revoking : undefined,
  }
}
