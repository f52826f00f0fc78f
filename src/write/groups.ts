import type { PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'
import type { Namespace } from '../namespaces.js'
import type { Meaning } from './changeActions.js'

import { counterKey } from '../keys/counterKey.js'
import type { StoredDocument } from '../storage/documentStore.js'
import { storedImage } from '../storage/storedImage.js'
import { sizeAtMost } from '../storage/itemSize.js'
import type { ItemKey } from '../keys/itemKeys.js'

import { knownIndexVersion, maintainedIndexes, shardCondition } from '../indexes/indexRecord.js'
import { oversizedUnit } from '../indexes/oversizedDocument.js'
import { noteDocumentsWritten } from '../read/indexCounts.js'
import { forgetOverflowHints } from '../read/overflowingIndexes.js'
import { noteCommittedWrites } from '../read/snapshots.js'
import { JournalTakenOver } from '../transactions/journalGrace.js'
import { indexGenerations, reloadIndexState } from '../indexes/buildState.js'
import { liftIndexVersion } from '../indexes/liftIndexVersion.js'
import { claimWrite } from '../leases/claimWrite.js'
import { beginWrite, endWrite } from '../leases/holdLease.js'
import { coverageOf, shardOf } from '../indexes/valueCounters.js'
import { rememberCoverage, rememberRevision, writesAfter } from '../storage/revisions.js'
import {
  failedConditionIndexes,
  MAX_TRANSACTION_ACTIONS,
  transactWrite,
  type WriteAction,
} from '../transactions/transactWrite.js'
import { changeActions, nextRevision } from './changeActions.js'
import { handOverMarkers, handoverUnits, keepReleases, withheldReleases } from './markerHandover.js'
import { type CountedAt, countedAt } from './splitGuards.js'
import { explainFailure, fenced, GroupOutgrown } from './groupFailures.js'
import { releaseWithheldMarkers } from './releaseMarkers.js'

export { GroupOutgrown, RevisionConflict } from './groupFailures.js'

const keyString = (key: ItemKey) => `${key.pk}\u0000${key.sk}`

export type Group = {
  actions: WriteAction[]
  changes: DocumentChange[]
  /** A journaled write's group: the markers its documents let go of stay (releaseMarkers.ts). */
  keepsReleases?: boolean
  /** Markers of indexes being built are let go of after it is written (`withheldReleases`). */
  releasesAfter?: boolean
  meanings: Meaning[]
  /**
   * One document whose entries, unique values and value counts do not fit its transaction: new
   * unique values and entries go in requests before it, old entries and the counts that do not
   * fit after it, under the journal's lock (splitGroup.ts).
   */
  split?: boolean
  /** A split group's value counters as its counts were computed for (splitGuards.ts). */
  countedAt?: CountedAt
  /**
   * The document's own request of a split write: its early requests and the record of what it
   * moves after were computed with the indexes then recorded, so after an index change the whole
   * write is computed again (`GroupOutgrown`), never this request alone.
   */
  splitCore?: boolean
}

/** A counter's move; the namespace's own shard is stamped (see `close` below). */
type Move = { amount: number; key: ItemKey; stamped?: Namespace }

/**
 * What one transaction may carry, with room left for the request's own overhead: DynamoDB caps a
 * TransactWriteItems request at 4 MB.
 */
const GROUP_BYTES = 4_000_000

/**
 * At most how many bytes DynamoDB counts for an action's item (its limit is on items' sizes):
 * binary attributes by length, small values at twice their JSON, large ones measured.
 */
function actionBytes(action: WriteAction): number {
  if (action.type !== 'put') {
    return 200
  }
  let bytes = 0
  for (const [name, value] of Object.entries(action.item)) {
    bytes +=
      Buffer.byteLength(name, 'utf8') +
      (value instanceof Uint8Array
        ? value.byteLength
        : sizeAtMost(value, Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8'), 10_000))
  }
  return bytes
}

/**
 * Packs changes into groups of at most `capacity` actions (counters included) and 4 MB, never
 * splitting one document's actions, nor documents that hand a unique value to each other.
 */
export function groupChanges(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  writeID: string,
  capacity = MAX_TRANSACTION_ACTIONS,
  /** A journaled write's: released markers stay, what it stores stays locked (documentLocks.ts). */
  keepsReleases = false,
): Group[] {
  const groups: Group[] = []
  let group: Group = { actions: [], changes: [], meanings: [] }
  // One transaction may touch an item once: every counter's moves are added up per group.
  let counters = new Map<string, Move>()
  const shard = shardOf(writeID, adapter.counterShards)
  let bytes = 0
  const close = () => {
    // Each group stamps the counter shard of every namespace whose documents it changes, so a
    // reader holding a namespace in memory sees that it changed (read/snapshots.ts).
    const stamp = randomUUID()
    for (const { amount, key, stamped } of counters.values()) {
      if (amount !== 0 || stamped) {
        group.actions.push({
          amount,
          attribute: 'count',
          // Holds only if no index was added or dropped since this process read the record.
          condition: stamped ? shardCondition(adapter, stamped) : undefined,
          key,
          stamp: stamped ? stamp : undefined,
          type: 'add',
        })
        group.meanings.push(stamped ? { kind: 'indexes', namespace: stamped } : { kind: 'count' })
      }
    }
    if (group.actions.length > 0) {
      const handedOver = handOverMarkers(group)
      groups.push(keepsReleases ? keepReleases(handedOver) : withheldReleases(handedOver))
    }
    group = { actions: [], changes: [], meanings: [] }
    counters = new Map()
    bytes = 0
  }
  const prepared = changes.map((change) => {
    const built = changeActions(adapter, change, writeID, keepsReleases)
    const counted = change.namespace.kind !== 'global' && change.namespace.kind !== 'latest'
    const moves: Move[] = [...built.counters]
    if (counted) {
      moves.push({
        amount: built.countDelta,
        key: counterKey(change.namespace.pk, shard),
        stamped: change.namespace,
      })
    }
    return { ...built, change, moves }
  })
  // Changes that hand unique values to each other go in one group (see markerHandover.ts).
  for (const unit of handoverUnits(prepared)) {
    const moves = unit.flatMap((member) => member.moves)
    const added = new Set(moves.map(({ key }) => keyString(key)).filter((k) => !counters.has(k)))
    const actionCount = unit.reduce((sum, member) => sum + member.actions.length, 0)
    const size = actionCount + counters.size + added.size
    const alone = actionCount + new Set(moves.map(({ key }) => keyString(key))).size
    // Split (splitGroup.ts), one document's own transaction holds its document, the stamp and
    // the record of what it moves after it; unique values and entries go before, counts after,
    // and the values it lets go of when the journaled write ends (releaseMarkers.ts).
    const movable = new Set(['entry', 'release', 'unique'])
    const movableActions = unit.reduce(
      (sum, member) => sum + member.meanings.filter((meaning) => movable.has(meaning.kind)).length,
      0,
    )
    const own = actionCount - movableActions + (moves.some((move) => move.stamped) ? 1 : 0) + 1
    if (alone > capacity && (unit.length > 1 || own > capacity)) {
      throw oversizedUnit(adapter, unit, unit.length > 1 ? alone : own, capacity)
    }
    const split = alone > capacity
    if (split && group.actions.length > 0) {
      close()
    }
    const unitBytes = unit
      .flatMap((member) => member.actions)
      .reduce((sum, action) => sum + actionBytes(action), 0)
    const full = group.actions.length + size > capacity || bytes + unitBytes > GROUP_BYTES
    if (group.actions.length > 0 && full && !split) {
      close()
    }
    bytes += unitBytes
    for (const member of unit) {
      group.actions.push(...member.actions)
      group.meanings.push(...member.meanings)
      group.changes.push(member.change)
    }
    for (const { amount, key, stamped } of moves) {
      const name = keyString(key)
      const known = counters.get(name)
      counters.set(name, {
        amount: (known?.amount ?? 0) + amount,
        key,
        stamped: stamped || known?.stamped,
      })
    }
    if (split) {
      group.split = true
      group.countedAt = countedAt(adapter, unit[0].change.namespace)
      close()
    }
  }
  close()
  return groups
}

/** How often a group is computed again because indexes were added or dropped meanwhile. */
const INDEX_RELOADS = 5

/**
 * Writes one group atomically (with `extra`, e.g. a journal mark), explaining failures. A group
 * whose shard shows an index change this process has not seen is computed again with the
 * recorded indexes (indexRecord.ts) and sent again.
 */
export async function writeGroup(
  adapter: DynamoDBAdapter,
  written: Group,
  writeID: string,
  req?: Partial<PayloadRequest>,
  extra?: WriteAction,
  /** Called with the changes once they are grouped again over indexes recorded meanwhile. */
  onRegroup?: (changes: DocumentChange[]) => void,
): Promise<void> {
  let group = written
  // Held namespaces are not answered from memory while their write is in flight (leases/).
  const stampedPKs = stampedNamespaces(group).map((namespace) => namespace.pk)
  beginWrite(adapter, stampedPKs)
  const sentAt = performance.now()
  let failed = true
  let lifted = false
  try {
    for (let attempt = 1; ; attempt++) {
      // Another process's read lease is taken back first (it answers without reading).
      await Promise.all(stampedNamespaces(group).map((namespace) => claimWrite(adapter, namespace)))
      try {
        await transactWrite(adapter, extra ? [...group.actions, extra] : group.actions)
        break
      } catch (error) {
        const behind = namespacesBehind(error, group)
        let retry = behind.length > 0 && attempt <= INDEX_RELOADS
        if (behind.length > 0 && !retry && !lifted) {
          lifted = true
          retry = await liftBehind(adapter, group, behind)
        }
        if (!retry) {
          throw extra && fenced(error, group)
            ? new JournalTakenOver(writeID)
            : explainFailure(error, group, req)
        }
        const known = behind.map((namespace) => knownIndexVersion(adapter, namespace))
        await Promise.all(behind.map((namespace) => reloadIndexState(adapter, namespace)))
        if (group.splitCore) {
          // Computed again as a whole once the record moved on; the same request otherwise (a
          // shard ahead of the record is lifted after the reloads).
          if (behind.some((namespace, at) => knownIndexVersion(adapter, namespace) !== known[at])) {
            throw new GroupOutgrown()
          }
          continue
        }
        group = regroup(adapter, group, writeID, extra)
        onRegroup?.(group.changes)
      }
    }
    failed = false
    noteGroupWritten(adapter, group, writeID, sentAt)
    if (group.releasesAfter) {
      await releaseWithheldMarkers(adapter, group.changes)
    }
  } finally {
    endWrite(adapter, stampedPKs, failed)
  }
}

/**
 * After as many reloads as allowed, a shard still newer than the state item: it is lifted once
 * (indexes/liftIndexVersion.ts) and the group tried again; else the write fails.
 */
async function liftBehind(
  adapter: DynamoDBAdapter,
  group: Group,
  behind: Namespace[],
): Promise<boolean> {
  const lifted = await Promise.all(
    behind.map(async (namespace) => {
      const shard = group.actions.find(
        (action) =>
          action.type === 'add' && action.stamp !== undefined && action.key.pk === namespace.pk,
      )
      return shard?.type === 'add' && (await liftIndexVersion(adapter, namespace, shard.key))
    }),
  )
  return lifted.some(Boolean)
}

/** The namespaces whose counter shard a group stamps (their documents change). */
function stampedNamespaces(group: Group): Namespace[] {
  return group.meanings.flatMap((meaning) =>
    meaning?.kind === 'indexes' ? [meaning.namespace] : [],
  )
}

/**
 * What the group stored for each document of one partition, by sort key (null: deleted), as a
 * read would give it; undefined when one of them cannot be told without reading it.
 */
function storedImages(group: Group, pk: string): Map<string, null | StoredDocument> | undefined {
  const images = new Map<string, null | StoredDocument>()
  for (const change of group.changes.filter((each) => each.key.pk === pk)) {
    const put = change.after
      ? group.actions.find(
          (action) =>
            action.type === 'put' &&
            action.item.pk === change.key.pk &&
            action.item.sk === change.key.sk,
        )
      : undefined
    const image = put?.type === 'put' ? storedImage(put.item) : null
    if (image === undefined || (change.after && image === null)) {
      return undefined
    }
    images.set(change.key.sk, image)
  }
  return images
}

/** What a committed group changes in this process's memory: held snapshots, revisions. */
function noteGroupWritten(
  adapter: DynamoDBAdapter,
  group: Group,
  writeID: string,
  sentAt: number,
): void {
  // Snapshots this process holds can take the change in without reading everything again.
  noteCommittedWrites(
    adapter,
    group.actions.flatMap((action) =>
      action.type === 'add' && action.stamp !== undefined
        ? [
            {
              amount: action.amount,
              counter: action.key,
              documents: group.changes
                .filter((change) => change.key.pk === action.key.pk)
                .map((change) => change.key),
              images: () => storedImages(group, action.key.pk),
              sentAt,
              stamp: action.stamp,
            },
          ]
        : [],
    ),
  )
  forgetOverflowHints(adapter, group.actions)
  // The plan estimates' remembered counts age with the documents written (read/indexCounts.ts).
  noteDocumentsWritten(
    adapter,
    group.changes.map((change) => change.namespace.pk),
  )
  for (const change of group.changes) {
    if (change.after) {
      rememberRevision(change.after, nextRevision(change), writesAfter(change.before, writeID))
      rememberCoverage(
        change.after,
        coverageOf(
          maintainedIndexes(adapter, change.namespace),
          indexGenerations(adapter, change.namespace),
        ),
      )
    }
  }
}

/** The namespaces whose index record moved on since this process read it (their shard said so). */
function namespacesBehind(error: unknown, group: Group): Namespace[] {
  return failedConditionIndexes(error, group.actions.length).flatMap((index) => {
    const meaning = group.meanings[index]
    return meaning?.kind === 'indexes' ? [meaning.namespace] : []
  })
}

/** The group's changes with the indexes now recorded: still one transaction, or a clear error. */
function regroup(
  adapter: DynamoDBAdapter,
  group: Group,
  writeID: string,
  extra: WriteAction | undefined,
): Group {
  const capacity = MAX_TRANSACTION_ACTIONS - (extra ? 1 : 0)
  const groups = groupChanges(adapter, group.changes, writeID, capacity, group.keepsReleases)
  if (groups.length !== 1 || groups[0].split) {
    throw new GroupOutgrown()
  }
  return groups[0]
}
