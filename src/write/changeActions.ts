import type { IndexEntry, UniqueMarker } from '../indexes/entries.js'
import type { Namespace } from '../namespaces.js'
import type { DocumentChange } from '../transactions/session.js'
import type { WriteAction } from '../transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../types.js'

import { counterEpochs, indexGenerations } from '../indexes/buildState.js'
import {
  hasLegacyOverflow,
  indexEntries,
  isOverflowPartition,
  uniqueMarkers,
} from '../indexes/entries.js'
import { indexBeingBuilt, maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'
import { type CounterDelta, counterDeltas, coverageOf } from '../indexes/valueCounters.js'
import { countedIn, revisionCondition, revisionOf, writesAfter } from '../storage/revisions.js'
import { MUST_EXIST, MUST_NOT_EXIST, type WriteCondition } from '../transactions/transactWrite.js'
import { documentActions } from './documentActions.js'
import { heldClause, LOCK_ATTRIBUTE, lockClause } from './documentLocks.js'

/** Why an action is in a write, so that a failed condition can be explained. */
export type Meaning =
  | { change: DocumentChange; kind: 'document' }
  | { kind: 'other' }
  /** An index entry (or overflow entry): a document too large for one transaction may have its
   * entries written before and removed after its own write (splitGroup.ts). */
  | { kind: 'entry' }
  /** A value count's move (indexes/valueCounters.ts); a split document may move some after it. */
  | { kind: 'count' }
  /** The namespace's counter shard, conditioned on the index record its writer knows. */
  | { kind: 'indexes'; namespace: Namespace }
  /**
   * A marker the document lets go of (another document of the transaction may take it). Of an
   * index still being built (`afterCommit`), the document may never have had it, and another
   * document may hold it: unless handed over, it is let go of after the commit, and only if it
   * names the document (markerHandover.ts `withheldReleases`, releaseMarkers.ts).
   */
  | { afterCommit?: boolean; kind: 'release'; marker: UniqueMarker }
  | { kind: 'unique'; marker: UniqueMarker }

const keyString = (item: { pk: unknown; sk: unknown }) =>
  `${String(item.pk)}\u0000${String(item.sk)}`

/** Items of `next` whose key is not in `previous`. */
function added<T extends { pk: string; sk: string }>(previous: T[], next: T[]): T[] {
  const before = new Set(previous.map(keyString))
  return next.filter((item) => !before.has(keyString(item)))
}

/** Entries of `next` that are new or changed (an entry also carries the document's createdAt). */
const entrySignature = (entry: IndexEntry) => `${keyString(entry)}\u0000${entry.c ?? ''}`
function changedEntries(previous: IndexEntry[], next: IndexEntry[]): IndexEntry[] {
  const before = new Set(previous.map(entrySignature))
  return next.filter((entry) => !before.has(entrySignature(entry)))
}

/**
 * `condition`, and the document not locked by another write (documentLocks.ts). A journaled
 * write's group needs its own lock on it (`held`): a document it no longer locks means the write
 * was ended meanwhile (by a process that took it over), and nothing more of it may be stored.
 */
function unlocked(condition: WriteCondition, writeID: string, held: boolean): WriteCondition {
  const clause = held ? heldClause(writeID) : lockClause(writeID)
  return {
    expression: `${condition.expression} AND ${clause.expression}`,
    names: { ...condition.names, ...clause.names },
    values: { ...condition.values, ...clause.values },
  }
}

/** The revision a change's document is stored at next (0 when it was stored without one). */
export function nextRevision(change: DocumentChange): number {
  if (change.before) {
    return (revisionOf(change.before) ?? 0) + 1
  }
  // A new item starts at a revision no earlier item under its key had (deleted, then created
  // again): a writer that read the earlier one must not pass its condition on the new one.
  const after = change.after as object
  let first = firstRevisions.get(after)
  if (first === undefined) {
    first = Date.now() * 1024 + Math.floor(Math.random() * 1024)
    firstRevisions.set(after, first)
  }
  return first
}

/** The first revision of each new document, the same however often it is asked for. */
const firstRevisions = new WeakMap<object, number>()

/** The unique markers `change` takes that its document did not hold before. */
export function newMarkers(adapter: DynamoDBAdapter, change: DocumentChange): UniqueMarker[] {
  if (!change.after) {
    return []
  }
  const definitions = maintainedIndexes(adapter, change.namespace)
  const locales = localeCodes(adapter)
  const before = change.before
    ? uniqueMarkers(change.namespace, definitions, locales, change.before)
    : []
  return added(before, uniqueMarkers(change.namespace, definitions, locales, change.after))
}

/**
 * The actions that store one document change: the document itself, conditioned on the revision
 * its entries were computed from (so a concurrent writer makes this write fail instead of both
 * surviving), the index entries and markers that differ, each marker conditioned on being free.
 */
export function changeActions(
  adapter: DynamoDBAdapter,
  change: DocumentChange,
  writeID: string,
  /** A group of a write of more than 100 items: what it stores stays locked (documentLocks.ts). */
  journaled = false,
): {
  actions: WriteAction[]
  countDelta: number
  /** Value counters to move (indexes/valueCounters.ts), added up per group by the caller. */
  counters: CounterDelta[]
  meanings: Meaning[]
} {
  const { after, before, namespace } = change
  const definitions = maintainedIndexes(adapter, namespace)
  const generations = indexGenerations(adapter, namespace)
  const locales = localeCodes(adapter)
  const actions: WriteAction[] = []
  const meanings: Meaning[] = []
  const push = (action: WriteAction, meaning: Meaning) => {
    actions.push(action)
    meanings.push(meaning)
  }
  const id = ((after ?? before) as { id: number | string }).id
  const beforeRevision = before ? revisionOf(before) : undefined
  const condition = !before
    ? MUST_NOT_EXIST
    : unlocked(
        beforeRevision === undefined ? MUST_EXIST : revisionCondition(beforeRevision),
        writeID,
        journaled,
      )

  const bookkeeping = after
    ? {
        ix: coverageOf(definitions, generations),
        rev: nextRevision(change),
        w: writesAfter(before, writeID),
        ...(journaled ? { [LOCK_ATTRIBUTE]: writeID } : {}),
      }
    : {}
  const [documentAction, ...partActions] = documentActions(change, condition, bookkeeping, locales)
  push(documentAction, { change, kind: 'document' })
  for (const action of partActions) {
    push(action, { kind: 'other' })
  }

  const unindexed = new Set(change.unindexed)
  const indexedBefore = definitions.filter((definition) => !unindexed.has(definition.name))
  const oldEntries = before ? indexEntries(namespace, indexedBefore, locales, before) : []
  const newEntries = after ? indexEntries(namespace, definitions, locales, after) : []
  // A journaled write finished over a document it stored part of (splitGroup.ts) also removes
  // what the recorded image had, which the stored one may no longer show.
  const recordedEntries = change.recorded
    ? indexEntries(namespace, definitions, locales, change.recorded)
    : []
  for (const entry of added(newEntries, [...oldEntries, ...added(oldEntries, recordedEntries)])) {
    const legacy = hasLegacyOverflow(before) && isOverflowPartition(entry.pk)
    push(
      {
        // An overflow entry an earlier version wrote (legacyOverflows.ts) must still be there:
        // else the stored document's entries and counts are not what this write computed from.
        condition: legacy ? MUST_EXIST : undefined,
        key: { pk: entry.pk, sk: entry.sk },
        type: 'delete',
      },
      legacy ? { change, kind: 'document' } : { kind: 'entry' },
    )
  }
  for (const entry of changedEntries(oldEntries, newEntries)) {
    push({ item: { ...entry }, type: 'put' }, { kind: 'entry' })
  }

  const oldMarkers = before ? uniqueMarkers(namespace, indexedBefore, locales, before) : []
  const nextMarkers = after ? uniqueMarkers(namespace, definitions, locales, after) : []
  for (const marker of added(nextMarkers, oldMarkers)) {
    // Only our own marker is removed: the document's revision condition guarantees we held it
    // once its index is built.
    const afterCommit = indexBeingBuilt(adapter, namespace, marker.definition)
    push(
      { key: { pk: marker.pk, sk: marker.sk }, type: 'delete' },
      { kind: 'release', marker, ...(afterCommit ? { afterCommit } : {}) },
    )
  }
  for (const marker of added(oldMarkers, nextMarkers)) {
    push(
      {
        // A marker may only be taken when free (or already ours).
        condition: { expression: 'attribute_not_exists(pk) OR id = :id', values: { ':id': id } },
        item: { id: marker.id, pk: marker.pk, sk: marker.sk },
        type: 'put',
      },
      { kind: 'unique', marker },
    )
  }
  const countDelta = before && after ? 0 : after ? 1 : before ? -1 : 0
  const counters = counterDeltas(namespace, definitions, locales, {
    after,
    before,
    beforeCovered: before ? countedIn(before) : [],
    epochs: counterEpochs(adapter, namespace),
    generations,
    shards: adapter.counterShards,
  })
  return { actions, countDelta, counters, meanings }
}
