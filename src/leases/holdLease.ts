import { UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { reloadIndexState } from '../indexes/buildState.js'
import {
  bumpShards,
  INDEX_VERSION_ATTRIBUTE,
  loadIndexRecord,
  recordedLease,
  STATE_SK,
} from '../indexes/indexRecord.js'
import { bumpAtomically } from '../indexes/versionBump.js'
import { withoutRequestRecorders } from '../storage/requestStats.js'
import { send } from '../storage/send.js'
import {
  LEASE_COOLDOWN_ATTRIBUTE,
  LEASE_OWNER_ATTRIBUTE,
  LEASE_REVOKING_ATTRIBUTE,
} from './leaseRecord.js'
import { type Holder, type Holding, holderOf, holders, leasesEnabled } from './leaseState.js'
import { CLEAN_CHECKS_BEFORE_LEASE, cooldownAfter, leaseDuration } from './leaseTiming.js'
import { forgetLeases, releaseLease, startRenewals } from './renewLease.js'

export { leaseHolderID } from './leaseState.js'
export { forgetLeases, releaseLease, releaseLeases } from './renewLease.js'

/**
 * Read leases: a process that holds a namespace in memory (read/snapshots.ts) and sees only its
 * own writes there may take the namespace's lease. While it holds it, no other process writes
 * the namespace's documents (each writer first takes the lease back and waits until it has
 * surely ended, claimWrite.ts), so the holder answers from memory without reading the counter
 * items on every query: no request at all.
 *
 * - Taken by one conditional update of the state item (no owner, no cooldown), which also moves
 *   the index version on, copied onto every counter shard (indexRecord.ts): a writer that had not
 *   read the item since fails its shard condition, reads it, and sees the lease.
 * - Answers come from memory only after a read of the counter items sent once every shard
 *   carried the new version (every write committed before is in it), and only until the lease's
 *   end as this process knows it: `leaseDuration()` after the send of the last read of the state
 *   item that showed it held and not being taken back. Reads in the background (one BatchGetItem
 *   for every held lease) confirm it every `leaseRenewalInterval()`.
 * - Not while this process has a write of the namespace in flight, nor after one of its writes
 *   failed (it may have landed unseen): the counter items are read again first.
 * - Given back after `LEASE_IDLE_MS` without a query, and when the adapter is destroyed
 *   (renewLease.ts).
 *
 * `leaseServes`: whether a held namespace may be answered from memory without reading its
 * counter items.
 */
export function leaseServes(adapter: DynamoDBAdapter, pk: string): boolean {
  const holder = holders.get(adapter)
  const holding = holder?.holdings.get(pk)
  if (!holder || !holding) {
    return false
  }
  const now = performance.now()
  holding.lastUsed = now
  return (
    holding.synced &&
    now < holding.validUntil &&
    !holder.inFlight.get(pk) &&
    !holder.unverified.has(pk)
  )
}

/**
 * Stops this process taking leases and waits for the takings under way, then forgets every
 * lease it holds: before the table is emptied (migrate:fresh, clearDatabase), so that no taking
 * writes the state item or bumps counter shards after their deletion (a shard left with a higher
 * index version than the state item would refuse every later write). Returns what resumes.
 */
export async function quiesceLeases(adapter: DynamoDBAdapter): Promise<() => void> {
  const holder = holderOf(adapter)
  holder.suspended++
  await Promise.allSettled([...holder.acquiring.values()])
  forgetLeases(adapter)
  // Nothing is taken while suspended, so nothing is held when it resumes.
  return () => {
    holder.suspended--
  }
}

/**
 * Whether this process holds the namespace's lease or may take it soon: nobody else holds it
 * or is taking it back (as the state item was last read), no cooldown, no failed attempt to
 * wait out. A write's checks read memory only then (read/snapshots.ts `documentsForChecks`):
 * otherwise its checks of the counter items would lead to no lease, and cost more requests
 * than the one read they replace.
 */
export function leaseWithinReach(adapter: DynamoDBAdapter, namespace: Namespace): boolean {
  const holder = holders.get(adapter)
  if (holder?.holdings.has(namespace.pk)) {
    return true
  }
  const lease = recordedLease(adapter, namespace)
  const now = Date.now()
  return (
    (lease.owner === undefined || lease.owner === holder?.id) &&
    lease.revoking === undefined &&
    now >= lease.cooldownUntil &&
    now >= (holder?.nextAttempt.get(namespace.pk) ?? 0)
  )
}

/**
 * What a read of the counter items (sent at `sentAt`) found: `clean` when only this process's
 * writes had moved them. Enough clean checks in a row take the lease; a clean check after the
 * lease's shards were bumped lets it answer.
 */
export function noteStampCheck(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  sentAt: number,
  clean: boolean,
): void {
  if (!leasesEnabled(adapter)) {
    return
  }
  const holder = holderOf(adapter)
  const pk = namespace.pk
  if (!clean) {
    holder.clean.set(pk, 0)
    const holding = holder.holdings.get(pk)
    if (holding) {
      holding.synced = false
    }
    return
  }
  const failedAt = holder.unverified.get(pk)
  if (failedAt !== undefined && sentAt > failedAt) {
    holder.unverified.delete(pk)
  }
  const holding = holder.holdings.get(pk)
  if (holding) {
    if (sentAt >= holding.bumpedAt) {
      holding.synced = true
    }
    return
  }
  const count = (holder.clean.get(pk) ?? 0) + 1
  holder.clean.set(pk, count)
  // What this process last read of the lease may be old (a holder it saw may be gone): the
  // attempt's condition decides, and a failed one is not repeated for a while.
  const now = Date.now()
  if (
    count >= CLEAN_CHECKS_BEFORE_LEASE &&
    holder.suspended === 0 &&
    !holder.acquiring.has(pk) &&
    // A give-back on its way could land after a new taking and remove it from the item.
    !holder.givingBack.has(pk) &&
    now >= (holder.nextAttempt.get(pk) ?? 0) &&
    now >= recordedLease(adapter, namespace).cooldownUntil
  ) {
    const taking = acquire(adapter, holder, namespace)
      .catch(() => {
        holder.nextAttempt.set(pk, Date.now() + cooldownAfter(1))
        // Taken but not usable (its version could not be copied onto every shard), or perhaps
        // taken with the answer lost on the way: given back, so that no writer waits for it.
        return releaseLease(adapter, namespace, { unrecorded: true }).catch(() => undefined)
      })
      .finally(() => holder.acquiring.delete(pk))
    holder.acquiring.set(pk, taking)
  }
}

/** Nobody holds the lease, none is being taken back, and its cooldown is over. */
const FREE_TO_TAKE =
  'attribute_not_exists(#lo) AND attribute_not_exists(#lr) AND (attribute_not_exists(#lc) OR #lc <= :now)'
const LEASE_NAMES = {
  '#lc': LEASE_COOLDOWN_ATTRIBUTE,
  '#lo': LEASE_OWNER_ATTRIBUTE,
  '#lr': LEASE_REVOKING_ATTRIBUTE,
}

/**
 * Taken, being taken back, or cooling down: tried again later, after a read of the item. A lease
 * the item names this process the owner of, which it does not hold (a taking and its give-back
 * both lost on the way), is given back now, so that the next attempt can take it.
 */
async function refused(adapter: DynamoDBAdapter, holder: Holder, namespace: Namespace) {
  holder.clean.set(namespace.pk, 0)
  holder.nextAttempt.set(namespace.pk, Date.now() + cooldownAfter(1))
  await withoutRequestRecorders(() => reloadIndexState(adapter, namespace))
  const lease = recordedLease(adapter, namespace)
  if (
    lease.owner === holder.id &&
    lease.revoking === undefined &&
    !holder.holdings.has(namespace.pk) &&
    !holder.givingBack.has(namespace.pk)
  ) {
    await releaseLease(adapter, namespace, { unrecorded: true })
  }
}

/**
 * Sets this process as the owner on the state item, with a new index version copied onto every
 * counter shard: in one transaction with the shards when they fit (versionBump.ts), else the state
 * item first and the shards after it.
 */
async function acquire(adapter: DynamoDBAdapter, holder: Holder, namespace: Namespace) {
  const sentAt = performance.now()
  const values = { ':me': holder.id, ':now': Date.now() }
  const atOnce = await withoutRequestRecorders(() =>
    bumpAtomically(adapter, namespace, {
      condition: FREE_TO_TAKE,
      names: LEASE_NAMES,
      sets: ['#lo = :me'],
      values,
    }),
  )
  if (atOnce === 'refused') {
    await refused(adapter, holder, namespace)
    return
  }
  let attributes: Record<string, unknown> | undefined = atOnce && {
    ...atOnce.item,
    [INDEX_VERSION_ATTRIBUTE]: atOnce.version,
    [LEASE_OWNER_ATTRIBUTE]: holder.id,
  }
  if (!attributes) {
    try {
      const out = await withoutRequestRecorders(() =>
        send<{ Attributes?: Record<string, unknown> }>(
          adapter,
          new UpdateCommand({
            ConditionExpression: FREE_TO_TAKE,
            ExpressionAttributeNames: { ...LEASE_NAMES, '#iv': INDEX_VERSION_ATTRIBUTE },
            ExpressionAttributeValues: { ...values, ':one': 1 },
            Key: { pk: namespace.pk, sk: STATE_SK },
            ReturnConsumedCapacity: 'TOTAL',
            ReturnValues: 'ALL_NEW',
            TableName: adapter.tableName,
            UpdateExpression: 'SET #lo = :me ADD #iv :one',
          }),
        ),
      )
      attributes = out.Attributes
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') {
        await refused(adapter, holder, namespace)
        return
      }
      throw error
    }
  }
  loadIndexRecord(adapter, namespace, attributes)
  const holding: Holding = {
    bumpedAt: Number.POSITIVE_INFINITY,
    lastUsed: performance.now(),
    namespace,
    synced: false,
    validUntil: sentAt + leaseDuration(),
  }
  holder.holdings.set(namespace.pk, holding)
  if (!atOnce) {
    await withoutRequestRecorders(() => bumpShards(adapter, namespace, attributes))
  }
  holding.bumpedAt = performance.now()
  startRenewals(adapter, holder)
}

/**
 * Gives the namespace's lease back, once a taking of it under way has ended: a lease taken after
 * the release would be held (and renewed) for a namespace nothing is answered from.
 */
export async function releaseLeaseOnceTaken(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): Promise<void> {
  await holders.get(adapter)?.acquiring.get(namespace.pk)
  await releaseLease(adapter, namespace)
}

/** A write of these namespaces is being sent: answers wait for it (or read the counter items). */
export function beginWrite(adapter: DynamoDBAdapter, pks: string[]): void {
  const holder = holderOf(adapter)
  for (const pk of pks) {
    holder.inFlight.set(pk, (holder.inFlight.get(pk) ?? 0) + 1)
  }
}

/** The write ended; `failed`: it may have landed unseen, so the counter items are read again. */
export function endWrite(adapter: DynamoDBAdapter, pks: string[], failed: boolean): void {
  const holder = holderOf(adapter)
  const now = performance.now()
  for (const pk of pks) {
    const left = (holder.inFlight.get(pk) ?? 1) - 1
    if (left > 0) {
      holder.inFlight.set(pk, left)
    } else {
      holder.inFlight.delete(pk)
    }
    if (failed) {
      holder.unverified.set(pk, now)
    }
  }
}
