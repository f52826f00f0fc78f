import type { PayloadRequest } from 'payload'

import type { UniqueMarker } from '../indexes/entries.js'
import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'
import type { DocumentChange, Transaction } from './session.js'

import { uniqueMarkers } from '../indexes/entries.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'
import { heldMarkerOwners } from '../read/heldLookups.js'
import { documentsForChecksOf } from '../read/snapshots.js'
import { batchGetItems, type ItemReader } from '../storage/documentStore.js'
import { newMarkers } from '../write/changeActions.js'
import { uniqueValueError } from '../write/uniqueValueError.js'
import { keyString } from './session.js'

/**
 * The keys of the markers a staged document will hold, computed once per staged version (a
 * staged document is replaced, never changed in place): every new value of a transaction is
 * compared with all its staged documents, and computing their markers each time made a
 * transaction of N creates cost O(N²) marker computations.
 */
const stagedMarkerKeys = new WeakMap<object, Set<string>>()

function markerKeysOf(
  adapter: DynamoDBAdapter,
  doc: DocumentChange['after'],
  change: Pick<DocumentChange, 'namespace'>,
): Set<string> {
  if (!doc) {
    return new Set()
  }
  let keys = stagedMarkerKeys.get(doc)
  if (!keys) {
    const markers = uniqueMarkers(
      change.namespace,
      maintainedIndexes(adapter, change.namespace),
      localeCodes(adapter),
      doc,
    )
    keys = new Set(markers.map((marker) => keyString(marker)))
    stagedMarkerKeys.set(doc, keys)
  }
  return keys
}

/** Whether another document staged in the transaction takes the marker. */
function takenInTransaction(
  adapter: DynamoDBAdapter,
  transaction: Transaction,
  change: DocumentChange,
  marker: UniqueMarker,
): boolean {
  const own = keyString(change.key)
  const wanted = keyString(marker)
  for (const staged of transaction.inPartition(change.key.pk)?.values() ?? []) {
    if (markerKeysOf(adapter, staged.after, staged).has(wanted) && keyString(staged.key) !== own) {
      return true
    }
  }
  return false
}

/**
 * A transaction's writes are held until commit, but Payload expects a taken unique value to fail
 * the write that takes it (a create in a hook must throw there). So each new value is checked
 * now against the table and the transaction's own staged documents; the commit's marker
 * conditions still decide in the end (a value taken meanwhile fails the commit).
 */
export async function checkUniqueInTransaction(
  adapter: DynamoDBAdapter,
  transaction: Transaction,
  changes: DocumentChange[],
  req?: Partial<PayloadRequest>,
  /** Reads the markers, possibly beside the write's other checks (storage/readTogether.ts). */
  read: ItemReader = (keys, consistentRead) => batchGetItems(adapter, keys, consistentRead),
): Promise<void> {
  const checks = changes.flatMap((change) =>
    newMarkers(adapter, change).map((marker) => ({ change, marker })),
  )
  // Every marker not taken inside the transaction is read from the table, in one request.
  const inTransaction = checks.map(({ change, marker }) =>
    takenInTransaction(adapter, transaction, change, marker),
  )
  const stored = await storedOwners(
    adapter,
    checks.filter((_, index) => !inTransaction[index]),
    read,
  )
  const verdicts = checks.map(({ change, marker }, index) => {
    if (inTransaction[index]) {
      return true
    }
    const id = ((change.after ?? change.before) as { id: unknown }).id
    const owner = stored.get(`${marker.pk}\u0000${marker.sk}`)?.id
    return (
      owner !== undefined &&
      String(owner) !== String(id) &&
      !ownerReleases(transaction, change, owner, marker, adapter)
    )
  })
  const taken = checks.filter((_, index) => verdicts[index])
  if (taken.length > 0) {
    throw uniqueValueError(
      [...new Set(taken.map(({ change }) => change))],
      taken.map(({ marker }) => marker.definition),
      req,
    )
  }
}

/**
 * Who holds each marker in the table (by `pk\0sk`): from the held documents of a namespace
 * held in memory (no request under its read lease), else read, in one request.
 */
async function storedOwners(
  adapter: DynamoDBAdapter,
  checks: { change: DocumentChange; marker: UniqueMarker }[],
  read: ItemReader,
): Promise<Map<string, { id?: unknown }>> {
  const namespaces = new Map(checks.map(({ change }) => [change.namespace.pk, change.namespace]))
  const held = await documentsForChecksOf(adapter, namespaces.values())
  const owners = new Map<string, { id?: unknown }>()
  const keys: ItemKey[] = []
  for (const { change, marker } of checks) {
    const docs = held.get(change.namespace.pk)
    if (!docs) {
      keys.push({ pk: marker.pk, sk: marker.sk })
      continue
    }
    const name = `${marker.pk}\u0000${marker.sk}`
    const owner = heldMarkerOwners(adapter, change.namespace, docs).get(name)
    if (owner) {
      owners.set(name, { id: owner.id })
    }
  }
  for (const [name, item] of keys.length > 0 ? await read(keys, true) : []) {
    owners.set(name, item)
  }
  return owners
}

/**
 * Checks the changes' new values against what the transaction staged meanwhile. Called right
 * before they are staged, with no `await` in between: Payload updates a bulk operation's
 * documents in parallel in one transaction, and two of them giving the same value both passed
 * `checkUniqueInTransaction` while neither was staged (as in SQL, the second one fails).
 */
export function refuseTakenInTransaction(
  adapter: DynamoDBAdapter,
  transaction: Transaction,
  changes: DocumentChange[],
  req?: Partial<PayloadRequest>,
): void {
  const taken = changes.flatMap((change) =>
    newMarkers(adapter, change).filter((marker) =>
      takenInTransaction(adapter, transaction, change, marker),
    ),
  )
  if (taken.length > 0) {
    throw uniqueValueError(
      changes,
      taken.map((marker) => marker.definition),
      req,
    )
  }
}

/** Whether the stored owner of a marker is staged in this transaction without that value. */
function ownerReleases(
  transaction: Transaction,
  change: DocumentChange,
  owner: unknown,
  marker: UniqueMarker,
  adapter: DynamoDBAdapter,
): boolean {
  for (const staged of transaction.inPartition(change.key.pk)?.values() ?? []) {
    if (String((staged.base ?? staged.after)?.id) !== String(owner)) {
      continue
    }
    return !markerKeysOf(adapter, staged.after, staged).has(keyString(marker))
  }
  return false
}
