import type { Namespace } from '../namespaces.js'
import type { StoredDocument } from '../storage/documentStore.js'
import type { DynamoDBAdapter } from '../types.js'

import { readPartition } from '../storage/documentStore.js'
import { documentBytes } from './weighPlan.js'
import {
  leaseServes,
  leaseWithinReach,
  noteStampCheck,
  releaseLeaseOnceTaken,
} from '../leases/holdLease.js'
import { readStamp, stampAfter, stampOf } from '../storage/namespaceStamp.js'
import {
  caughtUp,
  type CommittedWrite,
  confirmedIn,
  documentSize,
  MAX_PENDING,
  type NamespaceState,
  type Snapshot,
} from './ownWrites.js'

export type { CommittedWrite } from './ownWrites.js'

/**
 * Small collections held in memory. Every write of a namespace's documents sets a new unique
 * stamp on one of its counter items in the same transaction (write/groups.ts), so one strongly
 * consistent read of those few items tells whether anything was committed since the documents
 * were read. A snapshot is kept only when the stamp read before its partition read equals the
 * one read after it (no write committed in between), and used only while the stamp still equals
 * it: every answer from memory is the answer a read of the partition would give at that moment,
 * whichever process wrote (docs/consistency.md).
 */

/**
 * A snapshot is read again after this long even when its stamp still matches: a bound on what a
 * write whose items became visible one by one, across a whole load, could leave unseen. Longer
 * would cost less (a collection queried less than once a minute is read whole on each query).
 */
const MAX_AGE_MS = 60_000
/** A collection found too large is not looked at again for this many queries. */
const TOO_LARGE_SKIP = 1_000
const MAX_BACKOFF = 256

export type HeldDocuments = {
  docs: StoredDocument[]
  /** Answered under this process's read lease, without reading the counter items (leases/). */
  leased?: boolean
  /** Read from the partition by this query (rather than from memory). */
  loaded: boolean
}

const states = new WeakMap<DynamoDBAdapter, Map<string, NamespaceState>>()

function stateOf(adapter: DynamoDBAdapter, pk: string): NamespaceState {
  let byNamespace = states.get(adapter)
  if (!byNamespace) {
    byNamespace = new Map()
    states.set(adapter, byNamespace)
  }
  let state = byNamespace.get(pk)
  if (!state) {
    state = { backoff: 0, pending: [], skip: 0 }
    byNamespace.set(pk, state)
  }
  return state
}

function heldBytes(adapter: DynamoDBAdapter): number {
  let bytes = 0
  for (const state of states.get(adapter)?.values() ?? []) {
    bytes += state.snapshot?.bytes ?? 0
  }
  return bytes
}

/** Namespaces whose writes stamp their counter items (globals and their latest pointers do not). */
function stamped(namespace: Namespace): boolean {
  return namespace.kind !== 'global' && namespace.kind !== 'latest'
}

/**
 * Every document of the namespace as of now, from memory when nothing was written since they
 * were read (one small Query), or read now when the namespace is small enough to hold; undefined
 * when the namespace is not held (too large, the cache is off, or loads were wasted lately).
 * The documents are shared: callers copy what they return (`copyStoredDocument`).
 */
export async function heldDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  /** Only when it is held already: never read the partition for it. */
  options: { onlyIfHeld?: boolean } = {},
): Promise<HeldDocuments | undefined> {
  const limits = adapter.readCache
  if (!limits || !stamped(namespace)) {
    return undefined
  }
  const state = stateOf(adapter, namespace.pk)
  if (options.onlyIfHeld && !state.snapshot) {
    return undefined
  }
  if (!state.snapshot && state.skip > 0) {
    state.skip--
    return undefined
  }
  const leased = state.snapshot
  if (
    leased &&
    Date.now() - leased.loadedAt < MAX_AGE_MS &&
    leaseServes(adapter, namespace.pk) &&
    !state.pending.some((write) => write.unsure)
  ) {
    // No other process writes while this one holds the lease: what it holds, plus its own
    // writes (read again by key), is what the counter items would confirm.
    if (state.pending.length === 0) {
      leased.uses++
      return { docs: leased.docs, leased: true, loaded: false }
    }
    const expected = state.pending.reduce((items, write) => stampAfter(items, write), leased.items)
    if (await caughtUp(adapter, namespace, state, leased, expected)) {
      return withinLimits(adapter, namespace, state, leased)
        ? { docs: leased.docs, leased: true, loaded: false }
        : undefined
    }
  }
  const noted = new Set(state.pending)
  const ownWritesBefore = state.ownWrites
  const checkedAt = performance.now()
  const current = await readStamp(adapter, namespace.pk)
  const readAt = performance.now()
  const held = state.snapshot
  const fresh = held && Date.now() - held.loadedAt < MAX_AGE_MS
  if (held && fresh && stampOf(held.items) === current.stamp) {
    confirmedIn(state, noted)
    held.uses++
    noteStampCheck(adapter, namespace, checkedAt, true)
    return { docs: held.docs, loaded: false }
  }
  if (held && fresh && (await caughtUp(adapter, namespace, state, held, current.items))) {
    noteStampCheck(adapter, namespace, checkedAt, true)
    return withinLimits(adapter, namespace, state, held)
      ? { docs: held.docs, loaded: false }
      : undefined
  }
  // Another process wrote (or nothing is held yet): no lease for now.
  noteStampCheck(adapter, namespace, checkedAt, false)
  if (held && stampOf(held.items) !== current.stamp && dropWritten(state, held)) {
    return undefined
  }
  state.snapshot = undefined
  state.pending = []
  if (options.onlyIfHeld) {
    return undefined
  }
  // Too many documents, or (by the sizes seen so far) too many bytes: not read to be held.
  const room = limits.maxBytes - heldBytes(adapter)
  if (
    current.count > limits.maxDocuments ||
    current.count * documentBytes(adapter, namespace) > room
  ) {
    tooLarge(adapter, namespace, state)
    return undefined
  }
  state.everLoaded = true
  const docs = await readPartition(adapter, namespace.pk)
  const after = await readStamp(adapter, namespace.pk)
  const bytes = docs.reduce((sum, doc) => sum + documentSize(doc), 0)
  if (bytes > room) {
    tooLarge(adapter, namespace, state)
  } else if (after.stamp !== current.stamp) {
    // Written while it was read: under steady writes, loads wait as stale snapshots do.
    backOff(state)
  } else if (state.snapshot === undefined && state.ownWrites === ownWritesBefore) {
    // Kept only if no other load was kept meanwhile and no write of this process was
    // acknowledged while it read: such a write may have committed after this load's check was
    // answered, and nothing would note it as pending over this snapshot.
    state.snapshot = {
      bytes,
      docs,
      items: current.items,
      loadedAt: Date.now(),
      readAt,
      uses: 1,
    }
    state.pending = []
  }
  // Not kept (written meanwhile, or no room): still a read of the partition, as the fallback's.
  return { docs, loaded: true }
}

/**
 * The documents of a namespace as of now for a write's checks (do the related documents exist,
 * is a unique value free), from memory when it is held: under the read lease, no request at all.
 *
 * Only on the way to the lease (leases on, none of another process's in the way): otherwise each
 * check would read the counter items of every namespace it looks at, where one BatchGetItem
 * answers them all. The partition is read for it once (a collection only ever written still
 * comes to be held); a snapshot dropped since, because another process wrote, is read again by
 * queries only. Undefined: read the table.
 */
export async function documentsForChecks(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): Promise<readonly StoredDocument[] | undefined> {
  if (!adapter.readCache || !adapter.readCache.lease || !leaseWithinReach(adapter, namespace)) {
    return undefined
  }
  const everLoaded = stateOf(adapter, namespace.pk).everLoaded === true
  return (await heldDocuments(adapter, namespace, { onlyIfHeld: everLoaded }))?.docs
}

/** `documentsForChecks` of several namespaces at once, by namespace pk. */
export async function documentsForChecksOf(
  adapter: DynamoDBAdapter,
  namespaces: Iterable<Namespace>,
): Promise<Map<string, readonly StoredDocument[] | undefined>> {
  return new Map(
    await Promise.all(
      [...namespaces].map(
        async (namespace) => [namespace.pk, await documentsForChecks(adapter, namespace)] as const,
      ),
    ),
  )
}

/**
 * The documents of a namespace held under this process's read lease (no request), else
 * undefined: for reads by key that would otherwise each be a request (in transactions too).
 */
export async function leasedDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): Promise<readonly StoredDocument[] | undefined> {
  if (!leaseServes(adapter, namespace.pk)) {
    return undefined
  }
  const held = await heldDocuments(adapter, namespace, { onlyIfHeld: true })
  return held?.leased ? held.docs : undefined
}

/**
 * Whether a snapshot its own writes grew is still within `maxDocuments` and `maxBytes`; one
 * that is not is let go, and the namespace not looked at again for a while, as if found too
 * large when it was read.
 */
function withinLimits(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  state: NamespaceState,
  held: Snapshot,
): boolean {
  const limits = adapter.readCache
  if (limits && held.docs.length <= limits.maxDocuments && heldBytes(adapter) <= limits.maxBytes) {
    return true
  }
  if (state.snapshot === held) {
    state.snapshot = undefined
    state.pending = []
    tooLarge(adapter, namespace, state)
  }
  return false
}

/**
 * A namespace too large to hold: not looked at again for a while, and its lease (held, or being
 * taken) given back, since nothing is answered from it: kept, reads by id would go on renewing it,
 * and every other process's writes would wait for its revocation.
 */
function tooLarge(adapter: DynamoDBAdapter, namespace: Namespace, state: NamespaceState): void {
  state.skip = TOO_LARGE_SKIP
  void releaseLeaseOnceTaken(adapter, namespace).catch(() => undefined)
}

/**
 * Drops a snapshot that writes made stale. Reading it all again pays only if it is read more
 * often than written: one that answered fewer than two queries makes the next load wait (4, 8,
 * ... up to MAX_BACKOFF queries, answered from DynamoDB meanwhile). Says whether to wait now.
 */
function dropWritten(state: NamespaceState, held: Snapshot): boolean {
  state.snapshot = undefined
  state.pending = []
  if (held.uses >= 2) {
    state.backoff = 0
    return false
  }
  backOff(state)
  return true
}

/** The next load waits twice as many queries as the last one did (4 at first, at most 256). */
function backOff(state: NamespaceState): void {
  state.backoff = Math.min(MAX_BACKOFF, Math.max(4, state.backoff * 2))
  state.skip = state.backoff
}

/**
 * Records writes this process committed (write/groups.ts), for `caughtUp`: only for namespaces
 * it holds.
 */
export function noteCommittedWrites(adapter: DynamoDBAdapter, writes: CommittedWrite[]): void {
  const byNamespace = states.get(adapter)
  for (const write of writes) {
    const state = byNamespace?.get(write.counter.pk)
    if (state) {
      state.ownWrites = (state.ownWrites ?? 0) + 1
    }
    if (!state?.snapshot) {
      continue
    }
    if (state.pending.length >= MAX_PENDING) {
      // Written much more than read: let go of it now, read it again when it is read.
      dropWritten(state, state.snapshot)
      continue
    }
    const unsure = write.sentAt <= state.snapshot.readAt
    state.pending.push({ ...write, images: write.images?.(), unsure })
  }
}

/** Forgets every snapshot (the adapter's tables were cleared or it is closing). */
export function dropSnapshots(adapter: DynamoDBAdapter): void {
  states.delete(adapter)
}
