import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { keyOf } from '../namespaces.js'
import { batchGetItems, withDocuments } from '../storage/documentStore.js'
import { stillCountedCondition } from './buildRecordGuard.js'
import { indexEntries, uniqueMarkers } from './entries.js'
import { counterEpochs, indexGenerations } from './indexEras.js'
import { maintainedIndexes } from './indexRecord.js'
import { localeCodes } from './registry.js'
import { type IndexItem, indexPartitions, itemKey, readItem } from './verify.js'

/**
 * What `repairIndexes` (repair.ts) writes for one drifted document: planned from a fresh read of
 * the document and of the items the scan found drifted for it, with the conditions its
 * transaction checks (the document as read, the index state as read).
 */

type Id = number | string

/** The items one document's transaction may fix: what the drift scan found for it. */
export type Group = { entries: Map<string, IndexItem>; id: Id; markers: Map<string, IndexItem> }

export type Condition = {
  ConditionExpression: string
  ExpressionAttributeNames?: Record<string, string>
  ExpressionAttributeValues?: Record<string, unknown>
}

export type Write = {
  kind: 'entryDelete' | 'entryPut' | 'markerDelete' | 'markerPut'
  request: Record<string, unknown>
}

/** Current versions of some items (strongly consistent), by `itemKey`. */
async function readItems(
  adapter: DynamoDBAdapter,
  keys: ItemKey[],
): Promise<Map<string, IndexItem>> {
  return (await batchGetItems(adapter, keys)) as unknown as Map<string, IndexItem>
}

/**
 * The condition that the document is still what the plan was computed from: its `rev`, or for a
 * legacy item without `rev` the absence of `rev` and (when it has one) the same `updatedAt`,
 * which Payload changes on every update; for a missing document, that it is still missing.
 */
function documentCondition(item: Record<string, unknown> | undefined): Condition {
  if (!item) {
    return { ConditionExpression: 'attribute_not_exists(pk)' }
  }
  if (typeof item.rev === 'number') {
    return {
      ConditionExpression: '#rev = :rev',
      ExpressionAttributeNames: { '#rev': 'rev' },
      ExpressionAttributeValues: { ':rev': item.rev },
    }
  }
  const updatedAt = (item.doc as Doc | undefined)?.updatedAt
  return typeof updatedAt === 'string'
    ? {
        ConditionExpression: 'attribute_not_exists(#rev) AND #doc.#updatedAt = :updatedAt',
        ExpressionAttributeNames: { '#doc': 'doc', '#rev': 'rev', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':updatedAt': updatedAt },
      }
    : {
        ConditionExpression: 'attribute_not_exists(#rev)',
        ExpressionAttributeNames: { '#rev': 'rev' },
      }
}

export type Plan =
  | {
      blockedBy?: Id
      condition: Condition
      key: ItemKey
      /** That the table still records the indexes as the plan read them (none: no index). */
      state?: Condition
      writes: Write[]
    }
  | { changing: true }

/** The partition an entry or marker write goes to. */
function writtenPartition(write: Write): string {
  const request = write.request as {
    Delete?: { Key: { pk: string } }
    Put?: { Item: { pk: string } }
  }
  return request.Put?.Item.pk ?? request.Delete?.Key.pk ?? ''
}

/**
 * The index state the plan was computed under: its indexes not dropped, under the same
 * generations and counter epochs. Entries and markers put back for an index another process
 * drops meanwhile would outlive the drop, and go stale under writers that no longer maintain it.
 */
function stateCondition(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
): Condition | undefined {
  const condition = stillCountedCondition(
    definitions,
    indexGenerations(adapter, namespace),
    counterEpochs(adapter, namespace),
  )
  return (
    condition && {
      ConditionExpression: condition.expression,
      ExpressionAttributeNames: condition.names,
      ExpressionAttributeValues: condition.values,
    }
  )
}

/**
 * Re-reads the document and the items the scan found drifted for it, and plans the writes that
 * make those items match the document as it is now. Items the application has fixed meanwhile
 * (or that only looked drifted because the scan straddled a write) need no write.
 */
export async function planGroup(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  group: Group,
  duplicateKeys: Set<string>,
): Promise<Plan> {
  const table = adapter.tableName
  const key = keyOf(namespace, group.id)
  const read = await readItem(adapter, key)
  const [documentItem] = read ? await withDocuments(adapter, [read]) : []
  const doc = documentItem?.doc as Doc | undefined
  if (documentItem && !doc) {
    return { changing: true }
  }
  // What writers maintain (the table's record): an index the config declares before its build
  // is announced has no entries to check, and items put for it would be left to drift.
  const definitions = maintainedIndexes(adapter, namespace)
  const locales = localeCodes(adapter)
  const wantedEntries = new Map(
    (doc ? indexEntries(namespace, definitions, locales, doc) : []).map((entry) => [
      itemKey(entry),
      entry,
    ]),
  )
  const wantedMarkers = new Map(
    (doc ? uniqueMarkers(namespace, definitions, locales, doc) : []).map((marker) => [
      itemKey(marker),
      marker,
    ]),
  )
  const current = await readItems(adapter, [...group.entries.values(), ...group.markers.values()])
  const ours = (item: IndexItem | undefined) =>
    item !== undefined && String(item.id) === String(group.id)

  const writes: Write[] = []
  let blockedBy: Id | undefined
  for (const [k, drifted] of group.entries) {
    const want = wantedEntries.get(k)
    const have = current.get(k)
    if (want && (!have || have.id !== want.id || (have.c ?? null) !== (want.c ?? null))) {
      writes.push({ kind: 'entryPut', request: { Put: { Item: { ...want }, TableName: table } } })
    } else if (!want && ours(have)) {
      writes.push({
        kind: 'entryDelete',
        request: { Delete: { Key: { pk: drifted.pk, sk: drifted.sk }, TableName: table } },
      })
    }
  }
  for (const [k, drifted] of group.markers) {
    const want = wantedMarkers.get(k)
    const have = current.get(k)
    if (want && !have && !duplicateKeys.has(k)) {
      writes.push({
        kind: 'markerPut',
        request: {
          Put: {
            ConditionExpression: 'attribute_not_exists(pk) OR id = :id',
            ExpressionAttributeValues: { ':id': want.id },
            Item: { id: want.id, pk: want.pk, sk: want.sk },
            TableName: table,
          },
        },
      })
    } else if (want && have && !ours(have)) {
      // Another document's marker: deleted by that document's transaction when it is stale.
      blockedBy = have.id
    } else if (!want && have && ours(have)) {
      writes.push({
        kind: 'markerDelete',
        request: {
          Delete: {
            // Only while it is still ours: a marker is never taken from a document holding it.
            ConditionExpression: 'id = :id',
            ExpressionAttributeValues: { ':id': have.id },
            Key: { pk: drifted.pk, sk: drifted.sk },
            TableName: table,
          },
        },
      })
    }
  }
  // Conditioned on the indexes written only: one condition per index (a versions namespace has
  // many) would pass DynamoDB's 4 KB for an expression.
  const written = new Set(writes.map((write) => writtenPartition(write)))
  const touched = definitions.filter((definition) =>
    Object.values(indexPartitions(namespace, [definition], locales))
      .flat()
      .some((pk) => written.has(pk)),
  )
  return {
    blockedBy,
    condition: documentCondition(documentItem),
    key,
    state: stateCondition(adapter, namespace, touched),
    writes,
  }
}
