import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { APIError } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { DOCUMENT_SK_PREFIX } from '../keys/itemKeys.js'
import { collectionNamespace, globalVersionsNamespace, versionsNamespace } from '../namespaces.js'
import { send } from '../storage/send.js'
import { assertNoDuplicates } from './buildChecks.js'
import { buildIndexes } from './buildIndex.js'
import { dropIndexItems } from './dropIndexItems.js'
import {
  builtAs,
  buildsInPlace,
  indexGenerations,
  indexSignature,
  readIndexState,
  recordIndexState,
  setBuiltIndexes,
} from './buildState.js'
import { buildCalledOff, stillDefinedCondition } from './buildRecordGuard.js'
import { announceIndexChange, recordedDefinitions } from './indexRecord.js'
import { changesLocalesOnly } from './indexSignature.js'
import { rebuildInPlace } from './rebuild.js'
import { indexesOf } from './registry.js'
import { indexDropWait } from './stateFreshness.js'

/** Every namespace that has indexes: collections, their versions, globals' versions. */
export function indexedNamespaces(adapter: DynamoDBAdapter): Namespace[] {
  const { collections, globals } = adapter.payload.config
  return [
    ...collections.flatMap((collection) => [
      collectionNamespace(adapter, collection.slug),
      ...(collection.versions ? [versionsNamespace(adapter, collection.slug)] : []),
    ]),
    ...globals.flatMap((global) =>
      global.versions ? [globalVersionsNamespace(adapter, global.slug)] : [],
    ),
  ]
}

async function hasDocuments(adapter: DynamoDBAdapter, namespace: Namespace): Promise<boolean> {
  const out = await send<{ Count?: number }>(
    adapter,
    new QueryCommand({
      ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': namespace.pk, ':prefix': DOCUMENT_SK_PREFIX },
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      Limit: 1,
      ReturnConsumedCapacity: 'TOTAL',
      Select: 'COUNT',
      TableName: adapter.tableName,
    }),
  )
  return (out.Count ?? 0) > 0
}

export type IndexChanges = {
  /** Indexes of the config not built yet (`collection/index`). */
  pending: string[]
  /** Indexes built in the table but no longer in the config (or of another shape). */
  stale: string[]
}

type NamespaceChanges = {
  /**
   * What the table recorded as built, by name (an index built under another shape is built again
   * in place); undefined when it recorded no index state (a table of an earlier version).
   */
  built: Map<string, string> | undefined
  namespace: Namespace
  pending: string[]
  stale: string[]
}

/** Compares the config's indexes with what the table records, loading the planner's view. */
async function compare(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  record: boolean,
): Promise<NamespaceChanges> {
  const definitions = indexesOf(adapter, namespace)
  const readAt = Date.now()
  const recordedBuilt = await readIndexState(adapter, namespace, { register: record })
  let built = recordedBuilt
  if (!built) {
    // Never recorded: an empty namespace has every index complete; documents stored by an
    // earlier version of the adapter may lack entries, so their indexes are built first.
    built = new Map()
    if (!(await hasDocuments(adapter, namespace))) {
      for (const definition of definitions) {
        built.set(definition.name, indexSignature(definition))
      }
      if (record) {
        await recordIndexState(adapter, namespace, { built })
      }
    }
  }
  setBuiltIndexes(adapter, namespace, built, readAt)
  const current = new Map(
    definitions.map((definition) => [definition.name, indexSignature(definition)]),
  )
  // Built, or recorded for writers to maintain, under a shape the config no longer declares.
  const outdated = (recorded: Map<string, string>) =>
    [...recorded.entries()]
      .filter(([name, signature]) => {
        const definition = definitions.find((each) => each.name === name)
        return (
          current.get(name) !== signature &&
          !(
            definition &&
            (builtAs(definition, signature) ||
              buildsInPlace(definition, signature) ||
              changesLocalesOnly(definition, signature))
          )
        )
      })
      .map(([name]) => name)
  // Recorded as dropped: no writer maintains them. Still recorded as built, a drop was cut off
  // before it deleted their items: it is finished, then a config declaring them builds them again.
  const dropped = new Set(
    [...recordedDefinitions(adapter, namespace)]
      .filter(([, definition]) => definition === null)
      .map(([name]) => name),
  )
  return {
    built: recordedBuilt,
    namespace,
    pending: definitions
      .filter(
        (definition) =>
          dropped.has(definition.name) || !builtAs(definition, built.get(definition.name)),
      )
      .map((definition) => definition.name),
    stale: [
      ...new Set([
        ...outdated(built),
        ...outdated(startedBuilds(adapter, namespace)),
        ...[...built.keys()].filter((name) => dropped.has(name)),
      ]),
    ],
  }
}

/**
 * Indexes whose build started (writers maintain them, indexRecord.ts), by signature: one the
 * config no longer declares, after a build that did not finish, is dropped like a built one.
 */
function startedBuilds(adapter: DynamoDBAdapter, namespace: Namespace): Map<string, string> {
  const started = new Map<string, string>()
  for (const [name, definition] of recordedDefinitions(adapter, namespace)) {
    if (definition) {
      started.set(name, indexSignature(definition))
    }
  }
  return started
}

function label(changes: NamespaceChanges, name: string): string {
  const { kind, slug } = changes.namespace
  return `${kind === 'collection' ? '' : `${kind}:`}${slug}/${name}`
}

/**
 * Brings the table's indexes in line with the config: drops the entries of indexes removed
 * from it (or reshaped) and builds the new ones over the documents already stored, then records
 * them as built so that the planner reads them. With `build: false` it only reports (and the
 * planner keeps to the built ones). Returns what differed before it ran.
 */
export async function syncIndexes(
  adapter: DynamoDBAdapter,
  /** `record: false` (a dry run) writes nothing at all, not even the state of empty namespaces. */
  options: { build: boolean; record?: boolean; throwOnError?: boolean },
): Promise<IndexChanges> {
  const all = await Promise.all(
    indexedNamespaces(adapter).map((namespace) =>
      compare(adapter, namespace, options.record !== false),
    ),
  )
  const report: IndexChanges = {
    pending: all.flatMap((changes) => changes.pending.map((name) => label(changes, name))),
    stale: all.flatMap((changes) => changes.stale.map((name) => label(changes, name))),
  }
  if (!options.build) {
    return report
  }
  for (const changes of all) {
    await keepShapeOverDuplicates(adapter, changes, options.throwOnError !== false)
  }
  const dropping = all.filter((changes) => changes.stale.length > 0)
  for (const { namespace, stale } of dropping) {
    // Writers of every config stop maintaining them before their items go.
    await announceIndexChange(adapter, namespace, { dropped: stale })
  }
  if (dropping.length > 0) {
    // Processes of a config that still declares them stop reading them (their next query
    // reads the state again) before any entry goes (stateFreshness.ts).
    const names = dropping.flatMap((changes) => changes.stale.map((name) => label(changes, name)))
    adapter.payload.logger.info(
      `payload-db-dynamodb: dropping ${names.join(', ')} (no longer in the config) in ${indexDropWait() / 1000} s, once processes of other configs have stopped reading them.`,
    )
    await new Promise((resolve) => setTimeout(resolve, indexDropWait()))
  }
  for (const { namespace, stale } of dropping) {
    await deleteIndexItems(adapter, namespace, stale)
  }
  for (const changes of all) {
    const { namespace } = changes
    const definitions = indexesOf(adapter, namespace).filter((definition) =>
      changes.pending.includes(definition.name),
    )
    const unrecorded = changes.built === undefined && definitions.length > 0
    if (unrecorded) {
      // Writers of a namespace with no recorded state maintain every index of their config; the
      // first announce makes them maintain only what is recorded, so all are announced at once:
      // one at a time, the others would go unmaintained (entries gone stale, counts off) until
      // their turn.
      await announceIndexChange(adapter, namespace, { defined: definitions })
    }
    // Locales added or removed: rebuilt in place together (one wait, one pass), their markers
    // refusing taken values throughout; then the removed locales' items go.
    const removedLocales = new Map<string, string[]>()
    for (const definition of definitions) {
      const recordedAs = changes.built?.get(definition.name)
      const removed =
        recordedAs === undefined ? undefined : changesLocalesOnly(definition, recordedAs)
      if (removed) {
        removedLocales.set(definition.name, removed)
      }
    }
    const localesChanged = definitions.filter((definition) => removedLocales.has(definition.name))
    if (localesChanged.length > 0) {
      try {
        await rebuildInPlace(adapter, namespace, localesChanged)
        for (const [name, locales] of removedLocales) {
          if (locales.length > 0) {
            await dropIndexItems(adapter, namespace, [name], { locales })
          }
        }
      } catch (error) {
        if (options.throwOnError !== false) {
          throw error
        }
        adapter.payload.logger.error({ err: error, msg: (error as Error).message })
      }
    }
    for (const definition of definitions) {
      if (localesChanged.includes(definition)) {
        continue
      }
      try {
        // Before any document is read: from now on every writer maintains it, whatever its config.
        if (!unrecorded) {
          await announceIndexChange(adapter, namespace, { defined: [definition] })
        }
        // Counted under the generation the table records now (a drop just before moved it on,
        // so that no document counts as counted), as every other writer counts once it reads it.
        await readIndexState(adapter, namespace)
        const generations = new Map(indexGenerations(adapter, namespace))
        const stillBuilding = stillDefinedCondition([definition], generations)
        await buildIndexes(adapter, namespace, [definition], stillBuilding)
        const recorded = await recordIndexState(
          adapter,
          namespace,
          {
            built: new Map([[definition.name, indexSignature(definition)]]),
            progress: new Map([[definition.name, undefined]]),
          },
          stillBuilding,
        )
        if (!recorded) {
          throw buildCalledOff(namespace, [definition.name])
        }
      } catch (error) {
        if (error instanceof APIError && error.status === 409) {
          // The build is off (duplicate values, a value taken meanwhile, a document that kept
          // changing), so writers whose config lacks the index stop maintaining it (and refusing values).
          // Not when another process completed the same build meanwhile, or dropped or redefined
          // the index since (the record is then theirs, and so are its items).
          // Over a namespace that recorded nothing else, forgetting the index would leave no
          // record at all, and writers of its config would maintain it again: recorded as dropped
          // instead (built again by the next sync of a config declaring it).
          const forgotten = await announceIndexChange(adapter, namespace, {
            ...(unrecorded ? { dropped: [definition.name] } : { forgotten: [definition.name] }),
            onlyIfOwn: [definition],
          })
          if (forgotten && !buildsOverOldShape(changes, definition.name)) {
            await deleteIndexItems(adapter, namespace, [definition.name])
          }
        }
        if (options.throwOnError !== false) {
          throw error
        }
        adapter.payload.logger.error({ err: error, msg: (error as Error).message })
        continue
      }
    }
    const readAt = Date.now()
    const state = await readIndexState(adapter, namespace)
    setBuiltIndexes(adapter, namespace, state ?? new Map(), readAt)
  }
  return report
}

/**
 * An index made unique (or a unique one given another shape) is dropped before it is built
 * again; over values several documents hold, or values stored in another type than its new
 * shape keys (a field's type changed), that build would fail with the old shape gone: no process
 * of any config would refuse taken values any more. Checked first: the index keeps its old shape
 * (processes of the older config go on reading it and refusing) and the failure says what to fix.
 */
async function keepShapeOverDuplicates(
  adapter: DynamoDBAdapter,
  changes: NamespaceChanges,
  throwOnError: boolean,
): Promise<void> {
  const reshaped = indexesOf(adapter, changes.namespace).filter(
    (definition) =>
      definition.unique &&
      changes.pending.includes(definition.name) &&
      changes.stale.includes(definition.name),
  )
  if (reshaped.length === 0) {
    return
  }
  try {
    await assertNoDuplicates(adapter, changes.namespace, reshaped, { misfits: true })
  } catch (error) {
    const names = new Set(reshaped.map((definition) => definition.name))
    changes.pending = changes.pending.filter((name) => !names.has(name))
    changes.stale = changes.stale.filter((name) => !names.has(name))
    if (throwOnError) {
      throw error
    }
    adapter.payload.logger.error({ err: error, msg: (error as Error).message })
  }
}

/**
 * A build in place of the same index in another shape (its markers go on refusing taken values
 * meanwhile, docs/migrations.md): what is stored for the index there is not the failed build's
 * own, and stays. Over a namespace that recorded no state, what writers stored for the index
 * before is deleted with the build's own: once the failure is recorded no writer maintains it,
 * and the next build would otherwise start over markers and entries gone stale.
 */
function buildsOverOldShape(changes: NamespaceChanges, name: string): boolean {
  return changes.built?.has(name) === true && !changes.stale.includes(name)
}

/**
 * Deletes the entries, markers and value counts of indexes out of the record, under a new
 * generation and without a position to resume from: a dropped index, or a failed build of a new
 * one (what it and the writers wrote for it would otherwise outlive it: markers a document no
 * longer deserves refusing values, entries and counts the next build would take as its own). No
 * writer adds to them once they are out of the record (its announcement moved every shard's
 * version on), and no query reads them.
 */
async function deleteIndexItems(adapter: DynamoDBAdapter, namespace: Namespace, names: string[]) {
  await dropIndexItems(adapter, namespace, names)
  await recordIndexState(adapter, namespace, {
    dropped: names,
    progress: new Map(names.map((name) => [name, undefined])),
  })
}
