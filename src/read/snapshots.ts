import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { StoredDocument } from '../storage/documentStore.js'
import type { DynamoDBAdapter } from '../types.js'

import { keyOf } from '../namespaces.js'
import { batchGetDocuments, readPartition } from '../storage/documentStore.js'
import { carryLookups } from './heldLookups.js'
import { documentBytes } from './weighPlan.js'
import { leaseServes, leaseWithinReach, noteStampCheck } from '../leases/holdLease.js'
import { type CounterState, readStamp, stampAfter, stampOf } from '../storage/namespaceStamp.js'

/**
 * Small collections held in memory. Every write of a namespace's documents sets a new unique
 * stamp on one of its counter items in the same transaction (write/groups.ts), so one strongly
 * consistent read of those few items tells whether anything was committed since the documents
 * were read. A snapshot is kept only when the stamp read before its partition read equals the
 * one read after it (no write committed in between), and used only while the stamp still equals
 * it: every answer from memory is the answer a read of the partition would give at that moment,
 * whichever process wrote (docs/consistency.md).
 */
type Snapshot = {
  bytes: number
  docs: StoredDocument[]
  /** The counter items as of its documents (their stamp, `stampOf`, is what each query checks). */
  items: CounterState[]
  loadedAt: number
  /** How many queries it answered: one that went stale unused makes the next load wait. */
  uses: number
}

/** A write this process committed to a held namespace: its counter move and the documents. */
export type CommittedWrite = {
  amount: number
  counter: ItemKey
  documents: ItemKey[]
  /**
   * What a read would now give for each of `documents`, by sort key (null: deleted), when the
   * write path can tell (storage/storedImage.ts): the snapshot takes them in without a read.
   * Computed only for namespaces this process holds.
   */
  images?: () => ReadonlyMap<string, null | StoredDocument> | undefined
  stamp: string
}

/** A committed write kept against a snapshot, with its images computed. */
type PendingWrite = {
  images?: ReadonlyMap<string, null | StoredDocument>
} & Omit<CommittedWrite, 'images'>

type NamespaceState = {
  /** Whether its partition was ever read to be held (write checks load it only the first time). */
  everLoaded?: boolean
  /** How many queries to answer without looking at the stamp (back-off after wasted loads). */
  skip: number
  backoff: number
  /** This process's writes since the snapshot's stamp, in commit order. */
  pending: PendingWrite[]
  snapshot?: Snapshot
}

/** Beyond this many of its own writes, a snapshot is read again rather than caught up. */
const MAX_PENDING = 50

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
  if (leased && Date.now() - leased.loadedAt < MAX_AGE_MS && leaseServes(adapter, namespace.pk)) {
    // No other process writes while this one holds the lease: what it holds, plus its own
    // writes (read again by key), is what the counter items would confirm.
    if (state.pending.length === 0) {
      leased.uses++
      return { docs: leased.docs, leased: true, loaded: false }
    }
    const expected = state.pending.reduce((items, write) => stampAfter(items, write), leased.items)
    if (await caughtUp(adapter, namespace, state, leased, expected)) {
      return { docs: leased.docs, leased: true, loaded: false }
    }
  }
  const checkedAt = performance.now()
  const current = await readStamp(adapter, namespace.pk)
  const held = state.snapshot
  const fresh = held && Date.now() - held.loadedAt < MAX_AGE_MS
  if (held && fresh && stampOf(held.items) === current.stamp) {
    held.uses++
    noteStampCheck(adapter, namespace, checkedAt, true)
    return { docs: held.docs, loaded: false }
  }
  if (held && fresh && (await caughtUp(adapter, namespace, state, held, current.items))) {
    noteStampCheck(adapter, namespace, checkedAt, true)
    return { docs: held.docs, loaded: false }
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
    state.skip = TOO_LARGE_SKIP
    return undefined
  }
  state.everLoaded = true
  const docs = await readPartition(adapter, namespace.pk)
  const after = await readStamp(adapter, namespace.pk)
  const bytes = docs.reduce((sum, doc) => sum + JSON.stringify(doc).length, 0)
  if (bytes > room) {
    state.skip = TOO_LARGE_SKIP
  } else if (after.stamp !== current.stamp) {
    // Written while it was read: under steady writes, loads wait as stale snapshots do.
    backOff(state)
  } else {
    state.snapshot = {
      bytes,
      docs,
      items: current.items,
      loadedAt: Date.now(),
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
 * Brings a snapshot up to date with this process's own writes when they are the only ones since
 * it was read: the counter items now read are exactly the held ones moved by the first of those
 * writes (each write's shard: its count moved, one more write, its new stamp), so no other write
 * was committed in between.
 * The documents those writes changed are read again by key (strongly consistent, after the
 * counter read, so at least as new) and replace the held ones.
 */
async function caughtUp(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  state: NamespaceState,
  held: Snapshot,
  now: CounterState[],
): Promise<boolean> {
  const pending = state.pending
  if (pending.length === 0 || pending.length > MAX_PENDING) {
    return false
  }
  const start = held.items
  // Writes that committed after the counter items were read are noted too: the items may show
  // only the first of them (in the order they were noted).
  const target = stampOf(now)
  let applied = 0
  let expected = start
  for (let count = 1; count <= pending.length && applied === 0; count++) {
    expected = stampAfter(expected, pending[count - 1])
    if (stampOf(expected) === target) {
      applied = count
    }
  }
  if (applied === 0) {
    return false
  }
  // The documents those writes changed, by sort key (all in the namespace's partition).
  const changed = new Map(
    pending
      .slice(0, applied)
      .flatMap((write) => write.documents)
      .map((key) => [key.sk, key]),
  )
  // What the writes stored, when each document was written once: no other process wrote in
  // between (the counter items say so), so that is what a read would give. Otherwise (a document
  // written twice, whose acknowledgements may have arrived out of order) they are read again.
  const images = writtenImages(pending.slice(0, applied))
  const reread = images
    ? [...images.values()].filter((doc): doc is StoredDocument => doc !== null)
    : await batchGetDocuments(adapter, [...changed.values()])
  if (state.snapshot !== held || held.items !== start) {
    // Another query caught it up (or replaced it) meanwhile: usable only if it reached what this
    // query's read of the counter items showed (an earlier state could miss acknowledged writes).
    return state.snapshot === held && stampOf(held.items) === target
  }
  // A new array (queries running now still read the one they were given), in the partition's
  // order: DynamoDB orders sort keys by their UTF-8 bytes.
  const sortKeys = new Map<StoredDocument, string>()
  const sortKey = (doc: StoredDocument) => {
    let key = sortKeys.get(doc)
    if (key === undefined) {
      key = keyOf(namespace, doc.id).sk
      sortKeys.set(doc, key)
    }
    return key
  }
  const removed = held.docs.filter((doc) => changed.has(sortKey(doc)))
  const docs = [...held.docs.filter((doc) => !changed.has(sortKey(doc))), ...reread]
  docs.sort((a, b) => Buffer.compare(Buffer.from(sortKey(a)), Buffer.from(sortKey(b))))
  carryLookups(adapter, namespace, { added: reread, from: held.docs, removed, to: docs })
  held.docs = docs
  held.items = now
  held.uses++
  // Writes not in the items read stay pending against them.
  state.pending = state.pending.slice(applied)
  return true
}

/** The documents `writes` stored, by sort key, when every one was written by one of them only. */
function writtenImages(writes: PendingWrite[]): Map<string, null | StoredDocument> | undefined {
  const images = new Map<string, null | StoredDocument>()
  for (const write of writes) {
    for (const key of write.documents) {
      const image = write.images?.get(key.sk)
      if (image === undefined || images.has(key.sk)) {
        return undefined
      }
      images.set(key.sk, image)
    }
  }
  return images
}

/**
 * Records writes this process committed (write/groups.ts), for `caughtUp`: only for namespaces
 * it holds.
 */
export function noteCommittedWrites(adapter: DynamoDBAdapter, writes: CommittedWrite[]): void {
  const byNamespace = states.get(adapter)
  for (const write of writes) {
    const state = byNamespace?.get(write.counter.pk)
    if (!state?.snapshot) {
      continue
    }
    if (state.pending.length >= MAX_PENDING) {
      // Written much more than read: let go of it now, read it again when it is read.
      dropWritten(state, state.snapshot)
      continue
    }
    state.pending.push({ ...write, images: write.images?.() })
  }
}

/** Forgets every snapshot (the adapter's tables were cleared or it is closing). */
export function dropSnapshots(adapter: DynamoDBAdapter): void {
  states.delete(adapter)
}
