/** Each adapter's read leases and what decides whether they may answer (holdLease.ts). */
import { randomUUID } from 'node:crypto'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

export type Holding = {
  /** When every shard carried the lease's version (performance.now()); Infinity before. */
  bumpedAt: number
  lastUsed: number
  namespace: Namespace
  /** A read of the counter items sent after `bumpedAt` found nothing unseen. */
  synced: boolean
  /** performance.now() until which the lease surely holds. */
  validUntil: number
}

export type Holder = {
  /** Lease takings under way, by namespace pk (each also bumps the namespace's shards). */
  acquiring: Map<string, Promise<void>>
  /** Give-backs under way, by namespace pk: no taking starts meanwhile (see `releaseLease`). */
  givingBack: Set<string>
  /** Clean checks in a row per namespace pk. */
  clean: Map<string, number>
  holdings: Map<string, Holding>
  id: string
  /** Date.now() before which no attempt to take a namespace's lease is made (after a failed one). */
  nextAttempt: Map<string, number>
  /** Writes of this process in flight per namespace pk. */
  inFlight: Map<string, number>
  timer?: ReturnType<typeof setInterval>
  /** While above 0, no lease is taken (the table is being emptied: see `quiesceLeases`). */
  suspended: number
  /** Namespaces whose last write failed (performance.now() of the failure). */
  unverified: Map<string, number>
}

export const holders = new WeakMap<DynamoDBAdapter, Holder>()

export function holderOf(adapter: DynamoDBAdapter): Holder {
  let holder = holders.get(adapter)
  if (!holder) {
    holder = {
      acquiring: new Map(),
      clean: new Map(),
      givingBack: new Set(),
      holdings: new Map(),
      id: randomUUID(),
      inFlight: new Map(),
      nextAttempt: new Map(),
      suspended: 0,
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

export function leasesEnabled(adapter: DynamoDBAdapter): boolean {
  return adapter.readCache !== false && adapter.readCache.lease
}
