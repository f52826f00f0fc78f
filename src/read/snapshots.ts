import type { Namespace } from '../namespaces.js'
import type { StoredDocument } from '../storage/documentStore.js'
import type { DynamoDBAdapter } from '../types.js'

import { readPartition } from '../storage/documentStore.js'
import { readStamp } from '../storage/namespaceStamp.js'

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
  loadedAt: number
  stamp: string
  /** How many queries it answered: one that went stale unused makes the next load wait. */
  uses: number
}

type NamespaceState = {
  /** How many queries to answer without looking at the stamp (back-off after wasted loads). */
  skip: number
  backoff: number
  snapshot?: Snapshot
}

/**
 * A snapshot is read again after this long even when its stamp still matches: a bound on what a
 * write whose items became visible one by one, across a whole load, could leave unseen.
 */
const MAX_AGE_MS = 10_000
/** A collection found too large is not looked at again for this many queries. */
const TOO_LARGE_SKIP = 1_000
const MAX_BACKOFF = 256

export type HeldDocuments = {
  docs: StoredDocument[]
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
    state = { backoff: 0, skip: 0 }
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
): Promise<HeldDocuments | undefined> {
  const limits = adapter.readCache
  if (!limits || !stamped(namespace)) {
    return undefined
  }
  const state = stateOf(adapter, namespace.pk)
  if (!state.snapshot && state.skip > 0) {
    state.skip--
    return undefined
  }
  const current = await readStamp(adapter, namespace.pk)
  const held = state.snapshot
  if (held && held.stamp === current.stamp && Date.now() - held.loadedAt < MAX_AGE_MS) {
    held.uses++
    return { docs: held.docs, loaded: false }
  }
  state.snapshot = undefined
  if (held && held.stamp !== current.stamp) {
    // Written since: reading it all again pays only if it is read more often than written.
    state.backoff = held.uses < 2 ? Math.min(MAX_BACKOFF, Math.max(4, state.backoff * 2)) : 0
    if (state.backoff > 0) {
      state.skip = state.backoff
      return undefined
    }
  }
  if (current.count > limits.maxDocuments) {
    state.skip = TOO_LARGE_SKIP
    return undefined
  }
  const docs = await readPartition(adapter, namespace.pk)
  const after = await readStamp(adapter, namespace.pk)
  const bytes = docs.reduce((sum, doc) => sum + JSON.stringify(doc).length, 0)
  if (after.stamp === current.stamp && heldBytes(adapter) + bytes <= limits.maxBytes) {
    state.snapshot = { bytes, docs, loadedAt: Date.now(), stamp: current.stamp, uses: 1 }
  }
  // Not kept (written meanwhile, or no room): still a read of the partition, as the fallback's.
  return { docs, loaded: true }
}

/** Forgets every snapshot (the adapter's tables were cleared or it is closing). */
export function dropSnapshots(adapter: DynamoDBAdapter): void {
  states.delete(adapter)
}
