import type { Namespace } from '../namespaces.js'
import type { StoredDocument } from '../storage/documentStore.js'
import type { DynamoDBAdapter } from '../types.js'
import type { ItemKey } from '../keys/itemKeys.js'

import { keyOf } from '../namespaces.js'
import { batchGetDocuments } from '../storage/documentStore.js'
import { type CounterState, stampAfter, stampOf } from '../storage/namespaceStamp.js'
import { carryLookups } from './heldLookups.js'

/**
 * A held namespace and this process's own writes to it since it was read (read/snapshots.ts):
 * how they are taken into what it holds.
 */
export type Snapshot = {
  bytes: number
  docs: StoredDocument[]
  /** The counter items as of its documents (their stamp, `stampOf`, is what each query checks). */
  items: CounterState[]
  loadedAt: number
  /**
   * When its counter items were read (performance.now()): a write of this process sent before
   * then may be in it already, or not (its acknowledgement does not say).
   */
  readAt: number
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
  /** When it was first sent (performance.now()). */
  sentAt: number
  stamp: string
}

/** A committed write kept against a snapshot, with its images computed. */
export type PendingWrite = {
  images?: ReadonlyMap<string, null | StoredDocument>
  /**
   * Sent before the snapshot's counter items were read, so perhaps in it already: taking its
   * images in again could put them over a newer write of another process. Only a read of the
   * counter items tells (`confirmedIn`), never the lease alone.
   */
  unsure: boolean
} & Omit<CommittedWrite, 'images'>

export type NamespaceState = {
  /** Whether its partition was ever read to be held (write checks load it only the first time). */
  everLoaded?: boolean
  /** How many queries to answer without looking at the stamp (back-off after wasted loads). */
  skip: number
  backoff: number
  /** This process's writes since the snapshot's stamp, in commit order. */
  pending: PendingWrite[]
  /**
   * How many writes of this process were acknowledged, held or not: a load during which one was
   * is not kept (it may have read the partition before the write; `pending` could not note it).
   */
  ownWrites?: number
  snapshot?: Snapshot
}

/** Beyond this many of its own writes, a snapshot is read again rather than caught up. */
export const MAX_PENDING = 50

/**
 * Brings a snapshot up to date with this process's own writes when they are the only ones since
 * it was read: the counter items now read are exactly the held ones moved by the first of those
 * writes (each write's shard: its count moved, one more write, its new stamp), so no other write
 * was committed in between.
 * The documents those writes changed are read again by key (strongly consistent, after the
 * counter read, so at least as new) and replace the held ones.
 */
export async function caughtUp(
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
  // Kept as measured at load, so the limits hold as the writes add to it.
  const weigh = (some: StoredDocument[]) => some.reduce((sum, doc) => sum + documentSize(doc), 0)
  held.bytes += weigh(reread) - weigh(removed)
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
 * A read of the counter items, sent once `noted` were noted, found them as the snapshot holds
 * them: each of `noted` is in the snapshot already (had it committed after the snapshot's read,
 * the stamp would have moved), so none is taken in again.
 */
export function confirmedIn(state: NamespaceState, noted: ReadonlySet<PendingWrite>): void {
  state.pending = state.pending.filter((write) => !noted.has(write))
}

/** What a held document counts towards `maxBytes` (as measured when a partition is read). */
export function documentSize(doc: StoredDocument): number {
  return JSON.stringify(doc).length
}
