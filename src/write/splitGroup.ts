import type { PayloadRequest } from 'payload'

import type { DynamoDBAdapter } from '../types.js'
import type { Group } from './groups.js'

import { randomUUID } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'

import type { NamespaceKind } from '../keys/itemKeys.js'

import { reloadIndexState } from '../indexes/buildState.js'
import { liftIndexVersion } from '../indexes/liftIndexVersion.js'
import { queryPartition } from '../indexes/verify.js'
import { namespaceOf } from '../namespaces.js'
import { forgetOverflowHints } from '../read/overflowingIndexes.js'
import { noteCommittedWrites } from '../read/snapshots.js'
import { JournalTakenOver } from '../transactions/journalGrace.js'
import {
  failedConditionIndexes,
  MAX_TRANSACTION_ACTIONS,
  MUST_NOT_EXIST,
  transactWrite,
  type WriteAction,
} from '../transactions/transactWrite.js'
import { explainFailure, GroupOutgrown } from './groupFailures.js'
import { writeGroup } from './groups.js'
import { type CountedAt, countedAt, recordCheck, stillCounted } from './splitGuards.js'

/** The journal check every request of a journaled write carries (a mark's condition, no mark). */
function fenceOf(extra: WriteAction): WriteAction {
  return extra.type === 'mark' && extra.condition
    ? { condition: extra.condition, key: extra.key, type: 'check' }
    : extra
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let start = 0; start < items.length; start += size) {
    out.push(items.slice(start, start + size))
  }
  return out
}

/**
 * The condition the group's counter shard carries: its indexes are the ones recorded when its
 * actions were computed (groups.ts). Undefined for a namespace without a counter.
 */
function recordCheckOf(group: Group): undefined | WriteAction {
  const stamped = group.actions.find((action) => action.type === 'add' && action.stamp)
  return stamped?.type === 'add' && stamped.condition
    ? { condition: stamped.condition, key: stamped.key, type: 'check' }
    : undefined
}

/**
 * One request of a split document's items, with the journal's fence and the index record's
 * check: fails if the write was taken over, if one of its unique values is taken (a
 * `ValidationError`, then the write is undone and the markers it took released,
 * releaseMarkers.ts), or if an index was added or dropped since the items were computed. Then
 * nothing of this request is stored, and what earlier requests stored for a dropped index was
 * stored before the drop's deletes: the whole write is computed again (`GroupOutgrown`).
 */
async function writeAhead(
  adapter: DynamoDBAdapter,
  part: Picked[],
  group: Group,
  fence: WriteAction,
  writeID: string,
  req: Partial<PayloadRequest> | undefined,
): Promise<void> {
  const actions = part.map(({ action }) => action)
  const check = recordCheckOf(group)
  try {
    await transactWrite(adapter, [...actions, fence, ...(check ? [check] : [])])
  } catch (error) {
    const failed = failedConditionIndexes(error, actions.length + (check ? 2 : 1))
    if (failed.includes(actions.length)) {
      throw new JournalTakenOver(writeID)
    }
    if (check && failed.includes(actions.length + 1)) {
      await reloadIndexState(adapter, group.changes[0].namespace)
      throw new GroupOutgrown()
    }
    throw explainFailure(
      error,
      { ...group, actions, meanings: part.map(({ index }) => group.meanings[index]) },
      req,
    )
  }
}

/**
 * What a split document moves after its own request (value counts that did not fit it, the
 * removal of its old entries), recorded in that request: `pk = J#<write id>`,
 * `sk = D#<uuid>`, `parts` (gzipped JSON, one request each) and `next`, the first not applied. Each part
 * moves `next` on in its own request, on the condition that it is still the part's number, so
 * a part is applied once whoever finishes the write.
 */
type Deferred = {
  /** The value counters the parts' counts were computed for (absent in earlier versions' records). */
  counted?: CountedAt
  namespace?: { kind: NamespaceKind; slug: string }
  next: number
  parts: WriteAction[][]
  pk: string
  sk: string
}

/** An action of the group, with its place (its meaning explains a failed condition). */
type Picked = { action: WriteAction; index: number }

/**
 * Room in one request for a part of the write's own actions, beside its fence (or its step) and
 * the index record's check.
 */
const PART_SIZE = MAX_TRANSACTION_ACTIONS - 2

/**
 * Writes a group holding one document whose index entries, unique values and value counts do
 * not fit its transaction (a `hasMany` field whose 40 values all change, a document with indexed
 * fields in 30 locales deleted, 150 unique codes): its new unique values first (a taken one fails
 * the write before anything else), then its new entries, then the document with the counts that
 * fit and the record of the rest (`Deferred`) in one transaction, which marks the group done,
 * then the rest (the other counts, the removal of its old entries). The values it lets go of
 * stay held until the write ends, as in any journaled write (releaseMarkers.ts).
 *
 * Only a journaled write does this: the document is locked meanwhile, so no other writer races
 * its entries. A write stopped before the document's request is applied again from the journal
 * (its recorded image says which entries to remove, `DocumentChange.recorded`; an undo removes
 * the new entries the same way); one stopped after it is finished from the record
 * (`finishDeferred`, before anything else of the journal). Finds stay exact throughout: an entry
 * the stored document does not match only leads to a document the evaluator drops, and none it
 * matches is missing. Counts may see the write part-way until the last request, as any reader
 * may see a journaled write part-way.
 */
export async function writeSplit(
  adapter: DynamoDBAdapter,
  group: Group,
  writeID: string,
  req: Partial<PayloadRequest> | undefined,
  /** The journal's mark of the group (with the document) or its fence. */
  extra: WriteAction,
): Promise<void> {
  const fence = fenceOf(extra)
  const kinds = group.meanings.map((meaning) => meaning?.kind)
  const pick = (test: (action: WriteAction, index: number) => boolean): Picked[] =>
    group.actions.flatMap((action, index) => (test(action, index) ? [{ action, index }] : []))
  // New unique values are taken first (a taken one fails the write before anything else).
  const ahead = [
    ...pick((_, index) => kinds[index] === 'unique'),
    ...pick((action, index) => kinds[index] === 'entry' && action.type === 'put'),
  ]
  const removals = pick((action, index) => kinds[index] === 'entry' && action.type !== 'put')
  const counts = pick((_, index) => kinds[index] === 'count')
  const own = pick((_, index) => !['count', 'entry', 'unique'].includes(kinds[index] ?? ''))
  // The document's request holds its own actions, the record of the rest, the mark or fence.
  const room = MAX_TRANSACTION_ACTIONS - own.length - 2
  const later = [...counts.slice(room), ...removals].map(({ action }) => action)
  const { kind, slug } = group.changes[0].namespace
  const deferred: Deferred | undefined =
    later.length > 0
      ? {
          counted: group.countedAt,
          namespace: { kind, slug },
          next: 0,
          parts: chunks(later, PART_SIZE),
          pk: `J#${writeID}`,
          sk: `D#${randomUUID()}`,
        }
      : undefined
  const core = [...own, ...counts.slice(0, room)].sort((a, b) => a.index - b.index)
  for (const part of chunks(ahead, PART_SIZE)) {
    await writeAhead(adapter, part, group, fence, writeID, req)
  }
  await writeGroup(
    adapter,
    {
      ...group,
      actions: [...core.map(({ action }) => action), ...(deferred ? [recordOf(deferred)] : [])],
      meanings: [
        ...core.map(({ index }) => group.meanings[index]),
        ...(deferred ? [{ kind: 'other' as const }] : []),
      ],
      split: false,
      splitCore: true,
    },
    writeID,
    req,
    extra,
  )
  if (deferred) {
    await applyDeferred(adapter, deferred, writeID)
  }
  forgetOverflowHints(adapter, later)
}

function recordOf(deferred: Deferred): WriteAction {
  return {
    condition: MUST_NOT_EXIST,
    item: {
      counted: deferred.counted ? JSON.stringify(deferred.counted) : undefined,
      namespace: deferred.namespace ? JSON.stringify(deferred.namespace) : undefined,
      next: deferred.next,
      // Gzipped: thousands of counts (40 values in 30 locales) stay far below an item's 400 KB.
      parts: gzipSync(JSON.stringify(deferred.parts)),
      pk: deferred.pk,
      sk: deferred.sk,
    },
    type: 'put',
  }
}

/** How often a part is filtered again because indexes were added or dropped meanwhile. */
const INDEX_RELOADS = 5

/**
 * Applies a record's parts from `next` on, each once, then deletes the record. Each part holds
 * only while the index record is the one this process knows, and leaves out the counts of
 * indexes no longer counted as when the write computed them (`stillCounted`).
 */
async function applyDeferred(
  adapter: DynamoDBAdapter,
  deferred: Deferred,
  writeID: string,
): Promise<void> {
  const key = { pk: deferred.pk, sk: deferred.sk }
  const guard =
    deferred.namespace && deferred.counted
      ? {
          counted: deferred.counted,
          namespace: namespaceOf(adapter, deferred.namespace.kind, deferred.namespace.slug),
        }
      : undefined
  for (let part = deferred.next; part < deferred.parts.length; part++) {
    const step: WriteAction = {
      condition: {
        expression: '#next = :part',
        names: { '#next': 'next' },
        values: { ':part': part },
      },
      key,
      set: { next: part + 1 },
      type: 'set',
    }
    for (let attempt = 1; ; attempt++) {
      // Records of earlier versions carry no guard: their parts are applied as they are.
      const check = guard && recordCheck(adapter, guard.namespace, writeID)
      const actions = guard
        ? stillCounted(deferred.parts[part], guard.counted, countedAt(adapter, guard.namespace))
        : deferred.parts[part]
      const sentAt = performance.now()
      try {
        await transactWrite(adapter, [...actions, step, ...(check ? [check] : [])])
        if (check?.stamp) {
          // No document item changed: what this process holds stays as it is.
          noteCommittedWrites(adapter, [
            { amount: 0, counter: check.key, documents: [], sentAt, stamp: check.stamp },
          ])
        }
        break
      } catch (error) {
        const failed = failedConditionIndexes(error, actions.length + (check ? 2 : 1))
        if (failed.includes(actions.length)) {
          // Applied by another process that took the write over (it goes on from there).
          throw new JournalTakenOver(writeID)
        }
        if (!guard || !check || !failed.includes(actions.length + 1)) {
          throw error
        }
        await reloadIndexState(adapter, guard.namespace)
        const lifted =
          attempt === INDEX_RELOADS && (await liftIndexVersion(adapter, guard.namespace, check.key))
        if (attempt >= INDEX_RELOADS && !lifted) {
          throw error
        }
      }
    }
  }
  await transactWrite(adapter, [{ key, type: 'delete' }])
}

/** A record's `counted`, when it has the shape this version writes (else its parts go unguarded). */
function countedOf(stored: unknown): CountedAt | undefined {
  const counted =
    typeof stored === 'string' ? (JSON.parse(stored) as Partial<CountedAt>) : undefined
  return Array.isArray(counted?.counters) && typeof counted.version === 'number'
    ? (counted as CountedAt)
    : undefined
}

/**
 * Applies what split documents of a journaled write left to move after their own request
 * (`writeSplit`), for a process that finishes the write.
 */
export async function finishDeferred(adapter: DynamoDBAdapter, writeID: string): Promise<void> {
  for await (const items of queryPartition(adapter, `J#${writeID}`, { prefix: 'D#' })) {
    for (const item of items) {
      const parts = gunzipSync(item.parts as Uint8Array).toString('utf8')
      const namespace =
        typeof item.namespace === 'string'
          ? (JSON.parse(item.namespace) as Deferred['namespace'])
          : undefined
      if (namespace) {
        // This process may not have read the namespace's index record yet.
        await reloadIndexState(adapter, namespaceOf(adapter, namespace.kind, namespace.slug))
      }
      await applyDeferred(
        adapter,
        {
          counted: countedOf(item.counted),
          namespace,
          next: Number(item.next),
          parts: JSON.parse(parts) as WriteAction[][],
          pk: String(item.pk),
          sk: String(item.sk),
        },
        writeID,
      )
    }
  }
}
