import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { reloadIndexState } from '../indexes/buildState.js'
import { bumpShards, loadIndexRecord, recordedLease, STATE_SK } from '../indexes/indexRecord.js'
import { withoutRequestRecorders } from '../storage/requestStats.js'
import { send } from '../storage/send.js'
import {
  LEASE_COOLDOWN_ATTRIBUTE,
  LEASE_OWNER_ATTRIBUTE,
  LEASE_REVOKING_ATTRIBUTE,
  leaseOf,
} from './leaseRecord.js'
import {
  CLEAN_CHECKS_BEFORE_LEASE,
  cooldownAfter,
  LEASE_IDLE_MS,
  leaseDuration,
  leaseRenewalInterval,
} from './leaseTiming.js'

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
 * - Given back after `LEASE_IDLE_MS` without a query, and when the adapter is destroyed.
 */
type Holding = {
  /** When every shard carried the lease's version (performance.now()); Infinity before. */
  bumpedAt: number
  lastUsed: number
  namespace: Namespace
  /** A read of the counter items sent after `bumpedAt` found nothing unseen. */
  synced: boolean
  /** performance.now() until which the lease surely holds. */
  validUntil: number
}

type Holder = {
  acquiring: Set<string>
  /** Clean checks in a row per namespace pk. */
  clean: Map<string, number>
  holdings: Map<string, Holding>
  id: string
  /** Date.now() before which no attempt to take a namespace's lease is made (after a failed one). */
  nextAttempt: Map<string, number>
  /** Writes of this process in flight per namespace pk. */
  inFlight: Map<string, number>
  timer?: ReturnType<typeof setInterval>
  /** Namespaces whose last write failed (performance.now() of the failure). */
  unverified: Map<string, number>
}

const holders = new WeakMap<DynamoDBAdapter, Holder>()

function holderOf(adapter: DynamoDBAdapter): Holder {
  let holder = holders.get(adapter)
  if (!holder) {
    holder = {
      acquiring: new Set(),
      clean: new Map(),
      holdings: new Map(),
      id: randomUUID(),
      inFlight: new Map(),
      nextAttempt: new Map(),
      unverified: new Map(),
    }
    holders.set(adapter, holder)
  }
  return holder
}

/** This adapter's identity as a lease owner. */
export function leaseHolderID(adapter: DynamoDBAdapter): string {
  return holderOf(adapter).id
}

function leasesEnabled(adapter: DynamoDBAdapter): boolean {
  return adapter.readCache !== false && adapter.readCache.lease
}

/**
 * Whether a held namespace may be answered from memory without reading its counter items.
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
    !holder.acquiring.has(pk) &&
    now >= (holder.nextAttempt.get(pk) ?? 0) &&
    now >= recordedLease(adapter, namespace).cooldownUntil
  ) {
    holder.acquiring.add(pk)
    acquire(adapter, holder, namespace)
      .catch(() => {
        holder.nextAttempt.set(pk, Date.now() + cooldownAfter(1))
        // Taken but not usable (its version could not be copied onto every shard): given back,
        // so that no writer waits for it.
        return releaseLease(adapter, namespace).catch(() => undefined)
      })
      .finally(() => holder.acquiring.delete(pk))
  }
}

async function acquire(adapter: DynamoDBAdapter, holder: Holder, namespace: Namespace) {
  const sentAt = performance.now()
  let attributes: Record<string, unknown> | undefined
  try {
    const out = await withoutRequestRecorders(() =>
      send<{ Attributes?: Record<string, unknown> }>(
        adapter,
        new UpdateCommand({
          ConditionExpression:
            'attribute_not_exists(#lo) AND attribute_not_exists(#lr) AND (attribute_not_exists(#lc) OR #lc <= :now)',
          ExpressionAttributeNames: {
            '#iv': 'iv',
            '#lc': LEASE_COOLDOWN_ATTRIBUTE,
            '#lo': LEASE_OWNER_ATTRIBUTE,
            '#lr': LEASE_REVOKING_ATTRIBUTE,
          },
          ExpressionAttributeValues: { ':me': holder.id, ':now': Date.now(), ':one': 1 },
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
      // Taken, being taken back, or cooling down: tried again later, after a read of the item.
      holder.clean.set(namespace.pk, 0)
      holder.nextAttempt.set(namespace.pk, Date.now() + cooldownAfter(1))
      await withoutRequestRecorders(() => reloadIndexState(adapter, namespace))
      return
    }
    throw error
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
  await withoutRequestRecorders(() => bumpShards(adapter, namespace, attributes))
  holding.bumpedAt = performance.now()
  startRenewals(adapter, holder)
}

function startRenewals(adapter: DynamoDBAdapter, holder: Holder): void {
  if (holder.timer) {
    return
  }
  let running = false
  holder.timer = setInterval(() => {
    if (running) {
      return
    }
    running = true
    renew(adapter, holder)
      .catch(() => undefined)
      .finally(() => {
        running = false
      })
  }, leaseRenewalInterval())
  holder.timer.unref()
}

/** Confirms every held lease with one read, and gives back the idle ones. */
async function renew(adapter: DynamoDBAdapter, holder: Holder): Promise<void> {
  const now = performance.now()
  const idle = [...holder.holdings.values()].filter((each) => now - each.lastUsed > LEASE_IDLE_MS)
  await Promise.all(idle.map((holding) => releaseLease(adapter, holding.namespace)))
  const holdings = [...holder.holdings.values()]
  if (holdings.length === 0) {
    clearInterval(holder.timer)
    holder.timer = undefined
    return
  }
  const sentAt = performance.now()
  type Output = {
    Responses?: Record<string, Record<string, unknown>[]>
    UnprocessedKeys?: Record<string, { Keys?: Record<string, unknown>[] }>
  }
  const out = await withoutRequestRecorders(() =>
    send<Output>(
      adapter,
      new BatchGetCommand({
        RequestItems: {
          [adapter.tableName]: {
            ConsistentRead: true,
            Keys: holdings.map(({ namespace }) => ({ pk: namespace.pk, sk: STATE_SK })),
          },
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  )
  const items = new Map(
    (out.Responses?.[adapter.tableName] ?? []).map((item) => [String(item.pk), item]),
  )
  const unread = new Set(
    (out.UnprocessedKeys?.[adapter.tableName]?.Keys ?? []).map((key) => String(key.pk)),
  )
  for (const holding of holdings) {
    const item = items.get(holding.namespace.pk)
    if (unread.has(holding.namespace.pk)) {
      // Not read this time: the lease runs out unless a later read confirms it.
      continue
    }
    loadIndexRecord(adapter, holding.namespace, item)
    const lease = leaseOf(item)
    if (holder.holdings.get(holding.namespace.pk) !== holding) {
      continue
    }
    if (lease.owner === holder.id && lease.revoking === undefined) {
      holding.validUntil = Math.max(holding.validUntil, sentAt + leaseDuration())
    } else {
      // Taken back (or the table was emptied): answer after reading the counter items again.
      holder.holdings.delete(holding.namespace.pk)
      holder.clean.set(holding.namespace.pk, 0)
    }
  }
}

/** Gives a lease back (unless a writer is taking it already). */
export async function releaseLease(adapter: DynamoDBAdapter, namespace: Namespace): Promise<void> {
  const holder = holders.get(adapter)
  if (!holder?.holdings.delete(namespace.pk)) {
    return
  }
  holder.clean.set(namespace.pk, 0)
  try {
    const out = await withoutRequestRecorders(() =>
      send<{ Attributes?: Record<string, unknown> }>(
        adapter,
        new UpdateCommand({
          ConditionExpression: '#lo = :me AND attribute_not_exists(#lr)',
          ExpressionAttributeNames: {
            '#lo': LEASE_OWNER_ATTRIBUTE,
            '#lr': LEASE_REVOKING_ATTRIBUTE,
          },
          ExpressionAttributeValues: { ':me': holder.id },
          Key: { pk: namespace.pk, sk: STATE_SK },
          ReturnConsumedCapacity: 'TOTAL',
          ReturnValues: 'ALL_NEW',
          TableName: adapter.tableName,
          UpdateExpression: 'REMOVE #lo',
        }),
      ),
    )
    loadIndexRecord(adapter, namespace, out.Attributes)
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') {
      throw error
    }
  }
}

/** Gives every lease back (the adapter is closing). */
export async function releaseLeases(adapter: DynamoDBAdapter): Promise<void> {
  const holder = holders.get(adapter)
  if (!holder) {
    return
  }
  clearInterval(holder.timer)
  holder.timer = undefined
  const held = [...holder.holdings.values()]
  await Promise.all(
    held.map((holding) => releaseLease(adapter, holding.namespace).catch(() => undefined)),
  )
}

/** Forgets every lease without a request (the table was emptied, and the records with it). */
export function forgetLeases(adapter: DynamoDBAdapter): void {
  const holder = holders.get(adapter)
  if (holder) {
    clearInterval(holder.timer)
    holder.timer = undefined
    holder.holdings.clear()
    holder.clean.clear()
  }
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
