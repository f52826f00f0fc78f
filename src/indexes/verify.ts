import { GetCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb'
import { APIError } from 'payload'

import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DriftExample, DynamoDBAdapter, IndexReport, VerifyArgs } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { DOCUMENT_SK_PREFIX } from '../keys/itemKeys.js'
import {
  collectionNamespace,
  globalNamespace,
  globalVersionsNamespace,
  versionsNamespace,
} from '../namespaces.js'
import { withDocuments } from '../storage/documentStore.js'
import { readStamp } from '../storage/namespaceStamp.js'
import { PARTITION_PAGE_ITEMS } from '../storage/pageLimits.js'
import { send } from '../storage/send.js'
import { counterEpochs, freshIndexState, queryableIndexes } from './buildState.js'
import { ExpectedValueCounts } from './verifyCounters.js'
import {
  indexEntries,
  indexPartition,
  localesFor,
  overflowPartition,
  uniqueMarkers,
  uniquePartition,
} from './entries.js'
import { maintainedIndexes } from './indexRecord.js'
import { localeCodes } from './registry.js'

/** How many examples of each kind of drift a report lists. */
const EXAMPLES = 5

type Id = number | string

/** An index entry or uniqueness marker as stored (or as it should be stored). */
export type IndexItem = { c?: number; id?: Id; pk: string; sk: string }

/** A drifted item and the document whose transaction can fix it. */
export type DriftItem = { item: IndexItem; owner?: Id; reason: string }

export type Drift = {
  counter: number
  documents: number
  /** Keys of unique values more than one document holds: never (re)assigned by repair. */
  duplicateKeys: Set<string>
  duplicateValues: { ids: Id[]; item: IndexItem }[]
  missingEntries: DriftItem[]
  missingMarkers: DriftItem[]
  /** Includes entries without an `id` attribute (no `owner`): no document owns them. */
  orphanEntries: DriftItem[]
  staleEntries: DriftItem[]
  /** Includes markers without an `id` attribute (no `owner`). */
  staleMarkers: DriftItem[]
  /** Values of built indexes whose counters disagree with the documents. */
  valueCounters: DriftItem[]
}

type Reader = Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>

export const itemKey = (item: { pk: string; sk: string }): string => `${item.pk}\u0000${item.sk}`

export function namespaceOf(
  adapter: DynamoDBAdapter,
  args: { collection?: string; global?: string; versions?: boolean },
): Namespace {
  if (args.global !== undefined && args.collection === undefined) {
    return args.versions
      ? globalVersionsNamespace(adapter, args.global)
      : globalNamespace(adapter, args.global)
  }
  if (args.collection === undefined || args.global !== undefined) {
    throw new APIError(
      'verifyIndexes / repairIndexes: pass either `collection` or `global` (with `versions: true` for its versions).',
      400,
    )
  }
  return args.versions
    ? versionsNamespace(adapter, args.collection)
    : collectionNamespace(adapter, args.collection)
}

/** Every index partition and marker partition of a namespace. */
export function indexPartitions(
  namespace: Namespace,
  definitions: IndexDefinition[],
  locales: string[],
): { entries: string[]; markers: string[] } {
  const entries: string[] = []
  const markers: string[] = []
  for (const definition of definitions) {
    // The locales the definition names (a build of another config's may have added one), as the
    // entries expected of each document are computed.
    for (const locale of localesFor(definition, locales)) {
      entries.push(indexPartition(namespace, definition, locale))
      if (definition.parts.some((part) => part.multiValued)) {
        entries.push(overflowPartition(namespace, definition, locale))
      }
      if (definition.unique) {
        markers.push(uniquePartition(namespace, definition, locale))
      }
    }
  }
  return { entries, markers }
}

/**
 * Pages of raw items of one partition (strongly consistent: a repair must not act on a stale
 * read), optionally only those whose sort key starts with `prefix`.
 */
export async function* queryPartition(
  adapter: Reader,
  pk: string,
  options: { keysOnly?: boolean; pageSize?: number; prefix?: string } = {},
): AsyncGenerator<Record<string, unknown>[]> {
  let startKey: Record<string, unknown> | undefined
  do {
    const out: QueryCommandOutput = await send<QueryCommandOutput>(
      adapter,
      new QueryCommand({
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ExpressionAttributeValues: {
          ':pk': pk,
          ...(options.prefix ? { ':prefix': options.prefix } : {}),
        },
        KeyConditionExpression: options.prefix
          ? 'pk = :pk AND begins_with(sk, :prefix)'
          : 'pk = :pk',
        Limit: options.pageSize ?? PARTITION_PAGE_ITEMS,
        ProjectionExpression: options.keysOnly ? 'pk, sk' : undefined,
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
    startKey = out.LastEvaluatedKey
    yield out.Items ?? []
  } while (startKey)
}

/**
 * The raw document counter: the sum of the base item (`M#count`) and its shards, undefined when
 * none exists.
 */
export async function readCounter(
  adapter: Reader,
  namespacePK: string,
): Promise<number | undefined> {
  const { count, items } = await readStamp(adapter, namespacePK)
  return items.length > 0 ? count : undefined
}

/** Reads one item (strongly consistent). */
export async function readItem(
  adapter: Reader,
  key: ItemKey,
): Promise<Record<string, unknown> | undefined> {
  const out = await send<{ Item?: Record<string, unknown> }>(
    adapter,
    new GetCommand({
      ConsistentRead: true,
      Key: key,
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  return out.Item
}

/**
 * Reads a namespace's documents (page by page, keeping only the keys their entries and markers
 * should have), its index entries, markers and counter, and classifies every difference.
 *
 * The reads are not one snapshot: while the application writes, a document and its entries may be
 * read on either side of a write, so drift found under traffic can be transient. `repairIndexes`
 * re-reads every item it is about to fix.
 */
export async function findDrift(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  pageSize = 100,
  /** Whose counters to check: the built indexes (an index being built counts as it goes). */
  counted: IndexDefinition[] = queryableIndexes(adapter, namespace),
): Promise<Drift> {
  // What writers maintain (the table's record): an index the config declares before its build
  // is announced has no entries to check, and items put for it would be left to drift.
  const definitions = maintainedIndexes(adapter, namespace)
  const locales = localeCodes(adapter)

  const documentIDs = new Set<string>()
  const expectedCounts = new ExpectedValueCounts(
    namespace,
    counted,
    locales,
    counterEpochs(adapter, namespace),
  )
  const expectedEntries = new Map<string, IndexItem>()
  const expectedMarkers = new Map<string, { ids: Id[]; item: IndexItem }>()
  for await (const items of queryPartition(adapter, namespace.pk, {
    pageSize,
    prefix: DOCUMENT_SK_PREFIX,
  })) {
    for (const item of await withDocuments(adapter, items)) {
      const doc = item.doc as Doc | undefined
      if (!doc || doc.id === undefined || doc.id === null) {
        continue
      }
      documentIDs.add(String(doc.id))
      expectedCounts.add(doc)
      for (const entry of indexEntries(namespace, definitions, locales, doc)) {
        expectedEntries.set(itemKey(entry), entry)
      }
      for (const marker of uniqueMarkers(namespace, definitions, locales, doc)) {
        const key = itemKey(marker)
        const found = expectedMarkers.get(key)
        if (found) {
          found.ids.push(marker.id)
        } else {
          expectedMarkers.set(key, { ids: [marker.id], item: marker })
        }
      }
    }
  }

  const drift: Drift = {
    // A global is one document: its writes keep no counter (nothing to judge).
    counter:
      namespace.kind === 'global'
        ? documentIDs.size
        : ((await readCounter(adapter, namespace.pk)) ?? 0),
    documents: documentIDs.size,
    duplicateKeys: new Set(),
    duplicateValues: [],
    missingEntries: [],
    missingMarkers: [],
    orphanEntries: [],
    staleEntries: [],
    staleMarkers: [],
    valueCounters: (await expectedCounts.drift(adapter)).map(({ counted, documents, pk, sk }) => ({
      item: { pk, sk },
      reason: `counted ${counted}, held by ${documents} document(s)`,
    })),
  }
  const partitions = indexPartitions(namespace, definitions, locales)

  const seenEntries = new Set<string>()
  for (const pk of partitions.entries) {
    for await (const items of queryPartition(adapter, pk, { pageSize: 1000 })) {
      for (const raw of items) {
        const stored = raw as IndexItem
        const key = itemKey(stored)
        const expected = expectedEntries.get(key)
        if (stored.id === undefined || stored.id === null) {
          drift.orphanEntries.push({ item: stored, reason: 'no id attribute' })
        } else if (!expected) {
          drift.orphanEntries.push({
            item: stored,
            owner: stored.id,
            reason: documentIDs.has(String(stored.id))
              ? 'the document no longer has this value'
              : 'no such document',
          })
        } else if (stored.id !== expected.id || (stored.c ?? null) !== (expected.c ?? null)) {
          drift.staleEntries.push({
            item: stored,
            owner: expected.id as Id,
            reason:
              stored.id !== expected.id
                ? `id ${JSON.stringify(stored.id)}, expected ${JSON.stringify(expected.id)}`
                : `createdAt (c) ${stored.c ?? 'missing'}, expected ${expected.c ?? 'none'}`,
          })
        }
        if (expected) {
          seenEntries.add(key)
        }
      }
    }
  }
  for (const [key, entry] of expectedEntries) {
    if (!seenEntries.has(key)) {
      drift.missingEntries.push({ item: entry, owner: entry.id as Id, reason: 'no entry' })
    }
  }

  const seenMarkers = new Set<string>()
  for (const pk of partitions.markers) {
    for await (const items of queryPartition(adapter, pk, { pageSize: 1000 })) {
      for (const raw of items) {
        const stored = raw as IndexItem
        const key = itemKey(stored)
        seenMarkers.add(key)
        const expected = expectedMarkers.get(key)
        if (stored.id === undefined || stored.id === null) {
          drift.staleMarkers.push({ item: stored, reason: 'no id attribute' })
        } else if (!expected?.ids.includes(stored.id)) {
          drift.staleMarkers.push({
            item: stored,
            owner: stored.id,
            reason: documentIDs.has(String(stored.id))
              ? 'its document no longer holds this value'
              : 'no such document',
          })
        }
        if (expected && expected.ids.length === 1 && !expected.ids.includes(stored.id as Id)) {
          // A stale marker sits on a value one document holds: it is missing for that one.
          drift.missingMarkers.push({
            item: expected.item,
            owner: expected.ids[0],
            reason: `held by ${JSON.stringify(stored.id)}`,
          })
        }
      }
    }
  }
  for (const [key, expected] of expectedMarkers) {
    if (expected.ids.length > 1) {
      drift.duplicateKeys.add(key)
      drift.duplicateValues.push(expected)
    } else if (!seenMarkers.has(key)) {
      drift.missingMarkers.push({
        item: expected.item,
        owner: expected.ids[0],
        reason: 'no marker',
      })
    }
  }
  return drift
}

function examples(items: DriftItem[]): DriftExample[] {
  return items
    .slice(0, EXAMPLES)
    .map(({ item, owner, reason }) => ({ id: owner, pk: item.pk, reason, sk: item.sk }))
}

/** The public report of a drift. */
export function reportOf(drift: Drift): IndexReport {
  const report: Omit<IndexReport, 'clean'> = {
    counter: drift.counter,
    counterOff: drift.counter - drift.documents,
    documents: drift.documents,
    duplicateValues: drift.duplicateValues.length,
    examples: {
      duplicateValues: drift.duplicateValues.slice(0, EXAMPLES).map(({ ids, item }) => ({
        id: ids[0],
        pk: item.pk,
        reason: `held by ${ids.map((id) => JSON.stringify(id)).join(', ')}`,
        sk: item.sk,
      })),
      missingEntries: examples(drift.missingEntries),
      missingMarkers: examples(drift.missingMarkers),
      orphanEntries: examples(drift.orphanEntries),
      staleEntries: examples(drift.staleEntries),
      staleMarkers: examples(drift.staleMarkers),
      valueCounters: examples(drift.valueCounters),
    },
    missingEntries: drift.missingEntries.length,
    missingMarkers: drift.missingMarkers.length,
    orphanEntries: drift.orphanEntries.length,
    staleEntries: drift.staleEntries.length,
    staleMarkers: drift.staleMarkers.length,
    valueCountersOff: drift.valueCounters.length,
  }
  return {
    clean:
      report.counterOff === 0 &&
      report.duplicateValues === 0 &&
      report.missingEntries === 0 &&
      report.missingMarkers === 0 &&
      report.orphanEntries === 0 &&
      report.staleEntries === 0 &&
      report.staleMarkers === 0 &&
      report.valueCountersOff === 0,
    ...report,
  }
}

/**
 * Checks one collection's (or its versions') index entries, uniqueness markers and counter
 * against its documents, and reports every kind of drift with a few examples. Reads the whole
 * namespace (documents page by page; only their expected keys are kept in memory): an operations
 * tool, not a query path. `clean: true` means the indexes are exactly right.
 */
export async function verifyIndexes(this: DynamoDBAdapter, args: VerifyArgs): Promise<IndexReport> {
  const namespace = namespaceOf(this, args)
  // Checked against what the table records now (an index dropped or built by another process).
  await freshIndexState(this, namespace, { force: true })
  return reportOf(await findDrift(this, namespace, args.pageSize))
}
