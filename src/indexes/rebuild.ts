import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter, RebuildArgs } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { collectionNamespace, versionsNamespace } from '../namespaces.js'
import { iteratePartition } from '../storage/documentStore.js'
import { assertNoDuplicates } from './buildChecks.js'
import { indexDocuments } from './buildIndex.js'
import { dropIndexItems } from './dropIndexItems.js'
import {
  counterEpochs,
  indexGenerations,
  indexSignature,
  readIndexState,
  recordIndexState,
  setBuiltIndexes,
} from './buildState.js'
import { buildCalledOff, stillDefinedCondition } from './buildRecordGuard.js'
import { announceIndexChange } from './indexRecord.js'
import { Misfits } from './misfits.js'
import { indexesOf, localeCodes } from './registry.js'
import { repairNamespace } from './repair.js'
import { indexDropWait } from './stateFreshness.js'
import { countedIndexes } from './valueCounters.js'

/**
 * Writes the index entries, uniqueness markers and counts of one collection from its documents
 * (for data stored before an index existed, or index items that drifted), safe while the
 * application writes:
 *
 * - queries of every process stop reading the indexes before anything changes (they are recorded
 *   as not complete, and the pass waits `indexDropWait()`, 10 s, until every process has read
 *   that) and read the whole collection until the end;
 * - no entry or marker is cleared: the markers keep refusing taken values to every writer;
 * - the value counters start afresh in a new epoch (their own partitions): every writer counts
 *   there from then on (a new generation: no document counts as counted), and the pass counts
 *   each document its writers have not, so they are exact however the writes interleave;
 * - each page's entries, markers and counts are written on the condition that the document is
 *   still the version read (buildIndex.ts); a document changed meanwhile is read again;
 * - then `repairIndexes` deletes what no document holds any more (stale entries, markers their
 *   owner gave up, which may have kept a document's marker out) and corrects the document
 *   counter, each conditioned on what it read; the previous epoch's counters are deleted.
 *
 * Resumable from a cursor (a resumed run skips the wait). A unique index over values that several
 * documents hold fails before anything changes, naming them. Returns the documents indexed.
 */
export async function rebuildIndexes(this: DynamoDBAdapter, args: RebuildArgs): Promise<number> {
  const namespace = args.versions
    ? versionsNamespace(this, args.collection)
    : collectionNamespace(this, args.collection)
  return rebuildInPlace(this, namespace, indexesOf(this, namespace), args)
}

/**
 * `rebuildIndexes` of some indexes of a namespace (all of a collection's, or the localized ones
 * a locale was added to, syncIndexes.ts): their items stay in place meanwhile.
 */
export async function rebuildInPlace(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  args: Pick<RebuildArgs, 'cursor' | 'onProgress' | 'pageSize'> = {},
): Promise<number> {
  const counted = countedIndexes(definitions).map((definition) => definition.name)
  await assertNoDuplicates(adapter, namespace, definitions)
  // Writers of every config maintain them from now on (indexRecord.ts).
  await announceIndexChange(adapter, namespace, { defined: definitions })
  if (!args.cursor) {
    const names = definitions.map((definition) => definition.name)
    await recordIndexState(adapter, namespace, { unbuilt: names })
    const readAt = Date.now()
    setBuiltIndexes(
      adapter,
      namespace,
      (await readIndexState(adapter, namespace)) ?? new Map(),
      readAt,
    )
    await new Promise((resolve) => setTimeout(resolve, indexDropWait()))
    // No query reads the value counters now: every writer counts afresh, in a new epoch.
    await announceIndexChange(adapter, namespace, { defined: definitions, recounted: counted })
  }
  // This process's writes (the pass) count in the new epoch too.
  await readIndexState(adapter, namespace)
  const epochs = counterEpochs(adapter, namespace)
  const generations = new Map(indexGenerations(adapter, namespace))
  let documents = 0
  let markersLeft = 0
  const misfits = new Misfits()
  const startKey = args.cursor
    ? (JSON.parse(Buffer.from(args.cursor, 'base64url').toString()) as Record<string, unknown>)
    : undefined
  for await (const page of iteratePartition(adapter, namespace.pk, {
    pageSize: args.pageSize ?? 100,
    startKey,
  })) {
    misfits.note(definitions, localeCodes(adapter), page.docs)
    markersLeft += await indexDocuments(adapter, namespace, definitions, page.docs, {
      leaveHeldMarkers: true,
      stillBuilding: stillDefinedCondition(definitions, generations),
    })
    documents += page.docs.length
    args.onProgress?.({
      cursor: page.cursor
        ? Buffer.from(JSON.stringify(page.cursor)).toString('base64url')
        : undefined,
      documents,
    })
  }
  // Left recorded as not built (above): its queries go on reading the documents.
  misfits.assertNone(namespace)
  const repair = await repairNamespace(adapter, namespace, args.pageSize ?? 100, definitions)
  const unsettled = [
    ...(repair.counterUnsettled ? ['the document counter'] : []),
    ...(repair.valueCountersUnsettled ? ['value counters'] : []),
    ...(repair.skipped.length > 0 ? [`${repair.skipped.length} document(s)`] : []),
  ]
  if (unsettled.length > 0 || markersLeft > repair.markersPut) {
    adapter.payload.logger.warn(
      `payload-db-dynamodb: rebuilt the indexes of ${namespace.kind} "${namespace.slug}", but writes kept changing ${unsettled.join(', ') || 'unique values'} meanwhile: run verifyIndexes, and repairIndexes when it reports drift.`,
    )
  }
  // The previous epoch's counters: no writer moves them any more, no query reads them.
  await dropIndexItems(adapter, namespace, counted, {
    kinds: (name) => {
      const previous = (epochs.get(name) ?? 0) - 1
      return previous < 0 ? [] : [previous === 0 ? 'K' : `K~${previous}`]
    },
  })
  // Every index of the config is now complete: the planner may read them.
  const built = new Map(
    definitions.map((definition) => [definition.name, indexSignature(definition)]),
  )
  const recorded = await recordIndexState(
    adapter,
    namespace,
    { built },
    stillDefinedCondition(definitions, generations),
  )
  if (!recorded) {
    throw buildCalledOff(
      namespace,
      definitions.map((definition) => definition.name),
    )
  }
  const readAt = Date.now()
  setBuiltIndexes(adapter, namespace, (await readIndexState(adapter, namespace)) ?? built, readAt)
  return documents
}
