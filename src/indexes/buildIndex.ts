import { APIError } from 'payload'

import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { WriteAction, WriteCondition } from '../transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { keyOf } from '../namespaces.js'
import { batchGetByKey, iteratePartition } from '../storage/documentStore.js'
import { stampAction } from '../storage/namespaceStamp.js'
import { countedIn, revisionCondition, revisionOf } from '../storage/revisions.js'
import {
  failedConditionIndexes,
  MAX_TRANSACTION_ACTIONS,
  transactWrite,
} from '../transactions/transactWrite.js'
import { assertNoDuplicates } from './buildChecks.js'
import { buildCalledOff } from './buildRecordGuard.js'
import {
  buildProgress,
  counterEpochs,
  indexGenerations,
  recordIndexState,
  STATE_SK,
} from './buildState.js'
import { indexEntries, uniqueMarkers } from './entries.js'
import { indexLargeDocument } from './buildLargeDocument.js'
import { Misfits } from './misfits.js'
import { localeCodes } from './registry.js'
import { type CounterDelta, counterDeltas, countedIndexes, coverageToken } from './valueCounters.js'

type DocumentWrite = {
  actions: WriteAction[]
  counters: CounterDelta[]
  doc: Doc
  /** The document written for, read again when a writer changed it meanwhile. */
  key: ItemKey
}

/**
 * The writes that give one document its entries, markers and value counts in `definitions`, if
 * it has any. Entries and markers are idempotent; counts are not, so the document item records
 * (`ix`) the indexes it is counted in, and the build counts only documents not counted yet (a
 * document written since the index was added was counted by its writer).
 */
function documentWrite(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  doc: Doc,
): DocumentWrite | undefined {
  const locales = localeCodes(adapter)
  const entries = indexEntries(namespace, definitions, locales, doc)
  const markers = uniqueMarkers(namespace, definitions, locales, doc)
  const covered = countedIn(doc)
  const generations = indexGenerations(adapter, namespace)
  const token = (definition: IndexDefinition) => coverageToken(definition, generations)
  const uncounted = countedIndexes(definitions).filter(
    (definition) => !covered.includes(token(definition)),
  )
  if (entries.length + markers.length + uncounted.length === 0) {
    return undefined
  }
  const revision = revisionOf(doc) ?? 0
  const key = keyOf(namespace, doc.id as number | string)
  // Only for the version read: a document changed since is read again (see writePacked).
  const guard: WriteAction =
    uncounted.length === 0
      ? { condition: revisionCondition(revision), key, type: 'check' }
      : {
          // Counting it changes the item (`ix`), and the revision moves on so that a writer who
          // read the uncounted version computes its counts again.
          condition: revisionCondition(revision),
          key,
          set: {
            ix: [...new Set([...covered, ...uncounted.map(token)])].sort(),
            rev: revision + 1,
          },
          type: 'set',
        }
  return {
    doc,
    key,
    actions: [
      guard,
      ...entries.map((entry): WriteAction => ({ item: { ...entry }, type: 'put' })),
      ...markers.map((marker): WriteAction => ({
        condition: {
          expression: 'attribute_not_exists(pk) OR id = :id',
          values: { ':id': marker.id },
        },
        item: { id: marker.id, pk: marker.pk, sk: marker.sk },
        type: 'put',
      })),
    ],
    counters: counterDeltas(namespace, uncounted, locales, {
      after: doc,
      before: null,
      beforeCovered: [],
      epochs: counterEpochs(adapter, namespace),
      generations,
      shards: adapter.counterShards,
    }),
  }
}

const keyString = (key: { pk: string; sk: string }) => `${key.pk}\u0000${key.sk}`

/** The counter moves of several documents, one action per counter item. */
function counterActions(writes: DocumentWrite[]): WriteAction[] {
  const sums = new Map<string, CounterDelta>()
  for (const { amount, key } of writes.flatMap((write) => write.counters)) {
    const name = keyString(key)
    sums.set(name, { amount: (sums.get(name)?.amount ?? 0) + amount, key })
  }
  return [...sums.values()].map(({ amount, key }) => ({
    amount,
    attribute: 'count',
    key,
    type: 'add',
  }))
}

/**
 * How often a build computes one document's writes again because writers kept changing it. The
 * build is resumable, so giving up only asks for it to be run again.
 */
const DOCUMENT_ATTEMPTS = 25

/**
 * Sends the documents' writes, packed into transactions. A document changed meanwhile is read
 * again and its writes computed for the new version: its writer may not have written the entries
 * (a writer only writes the entries its change moves, and the new index's entries of a value it
 * did not change are missing until the build writes them); one deleted meanwhile is left out.
 *
 * A marker another document holds fails the build, unless `leaveHeldMarkers` (a rebuild, whose
 * repair pass then frees a marker its holder no longer deserves, or reports the duplicate): then
 * the document's other writes go without it. Returns how many markers were left so.
 *
 * `options.stillBuilding`: the condition, on the namespace's state item, that the build is still
 * on (`stillDefinedCondition`). Every request carries it: once another process dropped the index
 * (its items deleted, its generation moved on), nothing more of the build may land.
 */
async function writePacked(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  writes: DocumentWrite[],
  options: BuildOptions,
): Promise<number> {
  const { leaveHeldMarkers = false, stillBuilding } = options
  let pending = writes
  let markersLeft = 0
  const attempts = new Map<string, number>()
  // One action for the namespace's stamp (see stampAction), one for the build's check.
  const reserved = stillBuilding ? 2 : 1
  const oversized = (write: DocumentWrite) =>
    write.actions.length + counterActions([write]).length + reserved > MAX_TRANSACTION_ACTIONS
  while (pending.length > 0) {
    const [first] = pending
    if (oversized(first)) {
      // Alone, through the commit journal (left out, it would be missing from the answers).
      const written = await indexLargeDocument(adapter, namespace, definitions, first)
      const again = written
        ? []
        : await readAgain(adapter, namespace, definitions, [first], attempts)
      pending = [...again, ...pending.slice(1)]
      continue
    }
    const batch: DocumentWrite[] = []
    for (const write of pending) {
      const size = [...batch, write].reduce((sum, each) => sum + each.actions.length, 0)
      if (oversized(write)) {
        break
      }
      if (
        batch.length > 0 &&
        size + counterActions([...batch, write]).length + reserved > MAX_TRANSACTION_ACTIONS
      ) {
        break
      }
      batch.push(write)
    }
    pending = pending.slice(batch.length)
    // Counter moves go last: they have no condition, so a failed condition is a document's.
    const actions = [...batch.flatMap((write) => write.actions), ...counterActions(batch)]
    if (actions.some((action) => action.type === 'set')) {
      // Document items change (`ix`, `rev`): readers holding the namespace must see it.
      actions.push(stampAction(adapter, namespace))
    }
    if (stillBuilding) {
      actions.push({
        condition: stillBuilding,
        key: { pk: namespace.pk, sk: STATE_SK },
        type: 'check',
      })
    }
    try {
      await transactWrite(adapter, actions)
    } catch (error) {
      const failed = failedConditionIndexes(error, actions.length)
      if (failed.length === 0) {
        throw error
      }
      if (stillBuilding && failed.includes(actions.length - 1)) {
        throw buildCalledOff(
          namespace,
          definitions.map((definition) => definition.name),
        )
      }
      // Which documents failed their check: those are skipped, the others sent again.
      const skipped = new Set<DocumentWrite>()
      const resent: DocumentWrite[] = []
      let offset = 0
      for (const write of batch) {
        const end = offset + write.actions.length
        const own = failed.filter((index) => index >= offset && index < end)
        if (own.includes(offset)) {
          skipped.add(write)
        } else if (own.length > 0 && leaveHeldMarkers) {
          // Only markers carry a condition besides the document's guard.
          const held = new Set(own.map((index) => index - offset))
          resent.push({ ...write, actions: write.actions.filter((_, at) => !held.has(at)) })
          markersLeft += held.size
        } else if (own.length > 0) {
          throw new APIError(
            'A unique value was taken by another document while the index was being built. Build it again.',
            409,
            undefined,
            true,
          )
        } else {
          resent.push(write)
        }
        offset = end
      }
      const again = await readAgain(adapter, namespace, definitions, [...skipped], attempts)
      pending = [...resent, ...again, ...pending]
    }
  }
  return markersLeft
}

export type BuildOptions = {
  /** A rebuild: markers another document holds are left to its repair pass. */
  leaveHeldMarkers?: boolean
  /** The condition that the build is still on (`stillDefinedCondition`), checked by every request. */
  stillBuilding?: WriteCondition
}

/**
 * Writes the entries, markers and value counts of `definitions` for some documents, each on the
 * condition that the document is still the version read (see `writePacked`). Returns how many
 * markers held by another document were left (only with `leaveHeldMarkers`).
 */
export async function indexDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  docs: Doc[],
  options: BuildOptions = {},
): Promise<number> {
  const writes = docs.flatMap((doc) => documentWrite(adapter, namespace, definitions, doc) ?? [])
  return writePacked(adapter, namespace, definitions, writes, options)
}

/** The writes of documents whose version moved on, computed from what they hold now. */
async function readAgain(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  changed: DocumentWrite[],
  attempts: Map<string, number>,
): Promise<DocumentWrite[]> {
  for (const { key } of changed) {
    const name = `${key.pk}\u0000${key.sk}`
    const attempt = (attempts.get(name) ?? 1) + 1
    if (attempt > DOCUMENT_ATTEMPTS) {
      throw new APIError(
        `Writers kept changing document ${key.sk} while the index was being built. Build it again.`,
        409,
        undefined,
        true,
      )
    }
    attempts.set(name, attempt)
  }
  const current = await batchGetByKey(
    adapter,
    changed.map((write) => write.key),
  )
  return [...current.values()].flatMap(
    (doc) => documentWrite(adapter, namespace, definitions, doc) ?? [],
  )
}

/**
 * Builds indexes over the documents already stored, a page at a time, each document's entries
 * and markers written on the condition that the document is still the version read (so an entry
 * is never written for a version replaced meanwhile; such a document is read again, see
 * `writePacked`).
 * Safe to run again and from several processes at once. A unique index over duplicate values
 * fails before anything is written, naming the values and documents.
 */
export async function buildIndexes(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  /** The build's check that it is still on (see `writePacked`), also for its position. */
  stillBuilding?: WriteCondition,
): Promise<number> {
  await assertNoDuplicates(adapter, namespace, definitions)
  const names = definitions.map((definition) => definition.name).join(', ')
  // Resumable: each page's end is recorded, and a build that stopped goes on from there (the
  // documents before it have their entries; any written since got them from their writers).
  const [first] = definitions
  const resumeFrom = await buildProgress(adapter, namespace, first.name)
  let documents = 0
  const misfits = new Misfits()
  for await (const page of iteratePartition(adapter, namespace.pk, {
    pageSize: 100,
    startKey: resumeFrom ? (JSON.parse(resumeFrom) as Record<string, unknown>) : undefined,
  })) {
    misfits.note(definitions, localeCodes(adapter), page.docs)
    await indexDocuments(adapter, namespace, definitions, page.docs, { stillBuilding })
    documents += page.docs.length
    // A position recorded after a drop would outlive it: the next build would skip the
    // documents before it, whose entries the drop deleted.
    if (
      page.cursor &&
      !(await recordIndexState(
        adapter,
        namespace,
        { progress: new Map([[first.name, JSON.stringify(page.cursor)]]) },
        stillBuilding,
      ))
    ) {
      throw buildCalledOff(
        namespace,
        definitions.map((definition) => definition.name),
      )
    }
    adapter.payload.logger.info(
      `payload-db-dynamodb: building index ${names} of ${namespace.kind} "${namespace.slug}": ${documents} documents${resumeFrom ? ' (resumed)' : ''}`,
    )
  }
  misfits.assertNone(namespace)
  return documents
}
