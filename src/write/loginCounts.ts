import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { getCollectionConfig } from '../namespaces.js'

/** Whether Payload counts failed logins in this namespace's documents (`loginAttempts`, `lockUntil`). */
export function countsFailedLogins(adapter: DynamoDBAdapter, namespace: Namespace): boolean {
  return (
    namespace.kind === 'collection' &&
    (getCollectionConfig(adapter, namespace.slug).auth?.maxLoginAttempts ?? 0) > 0
  )
}

/**
 * Payload counts failed logins outside any transaction (`incrementLoginAttempts`: `$inc` on
 * `loginAttempts`, then `lockUntil` at the limit) so that parallel requests see them. A write of
 * the whole user computed from an earlier read (a login's new session, sent when its transaction
 * commits) and computed again over a user those counts changed meanwhile must not put back what
 * it read. On db-postgres its `UPDATE` holds the row and the counts land after its commit:
 * - a lock set or lifted meanwhile stands;
 * - the count keeps the failures counted meanwhile, on top of the value this write sets (a reset
 *   to 0 after a correct password), or as stored if this write did not change it.
 * `read` is the user as this write first read it, `now` as stored now, `data` what it sends.
 */
export function keepLoginCounts(
  read: Doc,
  now: Doc,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...data }
  if ('lockUntil' in out && !sameValue(now.lockUntil, read.lockUntil)) {
    out.lockUntil = now.lockUntil ?? null
  }
  const sent = out.loginAttempts
  const before = numberOr0(read.loginAttempts)
  const stored = numberOr0(now.loginAttempts)
  // An operator (`{ $inc: 1 }`) already acts on the stored count.
  if ((typeof sent === 'number' || sent === null) && stored !== before) {
    const counted = Math.max(0, stored - before)
    out.loginAttempts = sent === read.loginAttempts || sent === null ? stored : sent + counted
  }
  return out
}

const numberOr0 = (value: unknown): number => (typeof value === 'number' ? value : 0)

const sameValue = (a: unknown, b: unknown): boolean => (a ?? null) === (b ?? null)
