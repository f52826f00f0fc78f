import { UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { Namespace } from '../namespaces.js'
import type { WriteCondition } from '../transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { isConditionFailure } from '../storage/errors.js'
import { withoutRequestRecorders } from '../storage/requestStats.js'
import { send } from '../storage/send.js'
import { builtAs } from './indexSignature.js'
import {
  EPOCH_PREFIX,
  GENERATION_PREFIX,
  loadIndexRecord,
  noteBuiltIndexes,
  recordedDefinitions,
  SHARD_COUNTS_ATTRIBUTE,
  STATE_SK,
} from './indexRecord.js'
import { indexesOf } from './registry.js'
import { getStateItem } from './versionBump.js'
import { indexStateMaxAge, indexStateRefreshAge } from './stateFreshness.js'

/**
 * Which index definitions of a namespace are complete, recorded in the table (item
 * (`<namespace pk>`, `M#indexes`), one attribute `idx:<name>` per built index holding its
 * signature). The planner only reads indexes recorded here: an index added to the config is
 * maintained by every write at once, but documents stored before it have no entries until it is
 * built, so reading it earlier would silently miss them.
 */
export { STATE_SK }
export { counterEpochs, indexGenerations } from './indexEras.js'
export { builtAs, buildsInPlace, indexSignature } from './indexSignature.js'

const ATTRIBUTE_PREFIX = 'idx:'
/** Where an unfinished build of an index got to (the partition cursor after its last page). */
const PROGRESS_PREFIX = 'progress:'

/** Built indexes per namespace pk (name → signature), as last read (on connect, then by queries). */
const builtByAdapter = new WeakMap<object, Map<string, Map<string, string>>>()
const warned = new WeakMap<object, Set<string>>()

/**
 * The indexes a state read (`readIndexState`) found recorded as dropped: a drop is recorded before
 * its entries go, so from then on no query reads them, though they are still listed as built
 * until the drop ends (and `syncIndexes` finishes a drop that was cut short).
 */
const droppedIn = new WeakMap<Map<string, string>, Set<string>>()

/** When each namespace's state was read (Date.now() as the read was sent), per adapter. */
const readAtByAdapter = new WeakMap<object, Map<string, number>>()
const refreshing = new WeakMap<object, Map<string, Promise<void>>>()

export function setBuiltIndexes(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  built: Map<string, string>,
  /** When the read of that state was sent. */
  readAt: number,
): void {
  const times = readAtByAdapter.get(adapter) ?? new Map<string, number>()
  readAtByAdapter.set(adapter, times)
  if ((times.get(namespace.pk) ?? Number.NEGATIVE_INFINITY) > readAt) {
    // A read that answered after a newer one: what the newer one read stands.
    return
  }
  times.set(namespace.pk, readAt)
  let perAdapter = builtByAdapter.get(adapter)
  if (!perAdapter) {
    perAdapter = new Map()
    builtByAdapter.set(adapter, perAdapter)
  }
  const dropped = droppedIn.get(built)
  const readable = dropped?.size
    ? new Map([...built].filter(([name]) => !dropped.has(name)))
    : built
  perAdapter.set(namespace.pk, readable)
  noteBuiltIndexes(adapter, namespace, readable.entries())
}

/**
 * Makes sure a query of the namespace plans with a state read at most `indexStateMaxAge()` ago
 * (stateFreshness.ts); returns when the state it will plan with was read. `force` reads it now.
 */
export async function freshIndexState(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  options: { force?: boolean } = {},
): Promise<number> {
  const readAt = readAtByAdapter.get(adapter)?.get(namespace.pk)
  if (readAt === undefined && indexesOf(adapter, namespace).length === 0) {
    return Date.now()
  }
  const age = readAt === undefined ? Number.POSITIVE_INFINITY : Date.now() - readAt
  if (readAt !== undefined && !options.force && age < indexStateRefreshAge()) {
    return readAt
  }
  const refresh = refreshIndexState(adapter, namespace, options.force)
  if (readAt !== undefined && !options.force && age < indexStateMaxAge()) {
    // Still fresh enough: this query does not wait (a failed refresh is tried again later).
    refresh.catch(() => undefined)
    return readAt
  }
  await refresh
  return readAtByAdapter.get(adapter)?.get(namespace.pk) ?? Date.now()
}

/** One read of the state at a time per namespace (concurrent queries share it). */
function refreshIndexState(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  force = false,
): Promise<void> {
  const perAdapter = refreshing.get(adapter) ?? new Map<string, Promise<void>>()
  refreshing.set(adapter, perAdapter)
  const running = perAdapter.get(namespace.pk)
  if (running && !force) {
    return running
  }
  const readAt = Date.now()
  // Not part of the plan of the query that prompted it (explain and plan logs leave it out).
  const refresh = withoutRequestRecorders(() => readIndexState(adapter, namespace))
    .then((state) => {
      // Never recorded: nothing was built or dropped since connect, which loaded what applies.
      const built = state ?? builtIndexes(adapter, namespace)
      if (built) {
        setBuiltIndexes(adapter, namespace, built, readAt)
      } else {
        const times = readAtByAdapter.get(adapter) ?? new Map<string, number>()
        readAtByAdapter.set(adapter, times)
        times.set(namespace.pk, Math.max(readAt, times.get(namespace.pk) ?? readAt))
      }
    })
    .finally(() => {
      if (perAdapter.get(namespace.pk) === refresh) {
        perAdapter.delete(namespace.pk)
      }
    })
  perAdapter.set(namespace.pk, refresh)
  return refresh
}

export function builtIndexes(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): Map<string, string> | undefined {
  return builtByAdapter.get(adapter)?.get(namespace.pk)
}

/**
 * The indexes a query may read: those of the config that are built. The first time a query
 * cannot use an index that the config declares, the log says what to run.
 */
export function queryableIndexes(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): IndexDefinition[] {
  const all = indexesOf(adapter, namespace)
  const built = builtIndexes(adapter, namespace)
  if (!built) {
    return all
  }
  const usable = all.filter((definition) => builtAs(definition, built.get(definition.name)))
  if (usable.length < all.length) {
    const seen = warned.get(adapter) ?? new Set<string>()
    warned.set(adapter, seen)
    for (const definition of all.filter((each) => !usable.includes(each))) {
      const name = `${namespace.pk}/${definition.name}`
      if (!seen.has(name)) {
        seen.add(name)
        const dropped = recordedDefinitions(adapter, namespace).get(definition.name) === null
        adapter.payload.logger.warn(
          dropped
            ? `payload-db-dynamodb: the index "${definition.name}" of ${namespace.kind} "${namespace.slug}" was dropped from the table by a process whose config no longer declares it (or recorded as dropped after its first build failed, over duplicate values for example), so queries it would serve read the whole ${namespace.kind}. Deploy one config to every process; if this config is the one to keep, fix what a failed build named and build the index again with a migration (payload migrate:create, then payload migrate).`
            : `payload-db-dynamodb: the index "${definition.name}" of ${namespace.kind} "${namespace.slug}" is not built yet, so queries it would serve read the whole ${namespace.kind} meanwhile. Build it with a migration (payload migrate:create, then payload migrate) or by starting in development.`,
        )
      }
    }
  }
  return usable
}

async function readStateItem(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  /** Also list this process's shard count (indexRecord.ts) when the item does not have it yet. */
  register = false,
): Promise<Record<string, unknown> | undefined> {
  const Key = { pk: namespace.pk, sk: STATE_SK }
  const read = { Item: await getStateItem(adapter, namespace) }
  const listed = read.Item?.[SHARD_COUNTS_ATTRIBUTE]
  if (!register || (listed instanceof Set && listed.has(adapter.counterShards))) {
    // Listed already (the list only grows): any build that starts later bumps this process's
    // shards, and one that started earlier is in what was just read.
    return read.Item
  }
  // Listed and read in one update, so that no build can start between the two unseen. Only the
  // first process of each shard count writes here: a burst of starts does not make it hot.
  const out = await send<{ Attributes?: Record<string, unknown> }>(
    adapter,
    new UpdateCommand({
      ExpressionAttributeNames: { '#sc': SHARD_COUNTS_ATTRIBUTE },
      ExpressionAttributeValues: { ':sc': new Set([adapter.counterShards]) },
      Key,
      ReturnConsumedCapacity: 'TOTAL',
      ReturnValues: 'ALL_NEW',
      TableName: adapter.tableName,
      UpdateExpression: 'ADD #sc :sc',
    }),
  )
  return out.Attributes
}

/**
 * Whether the build state was ever recorded: the item also exists once a process listed its shard
 * count or a build was announced (indexRecord.ts), which says nothing about what is built.
 */
function recorded(item: Record<string, unknown> | undefined): boolean {
  return Object.keys(item ?? {}).some(
    (attribute) =>
      attribute === 'updatedAt' ||
      attribute.startsWith(ATTRIBUTE_PREFIX) ||
      attribute.startsWith(GENERATION_PREFIX) ||
      attribute.startsWith(EPOCH_PREFIX),
  )
}

/**
 * Reads the recorded state of one namespace (undefined: never recorded), and loads the
 * generations of its indexes and the definitions writers maintain (indexRecord.ts) for the
 * writers of this adapter (see `indexGenerations`).
 */
export async function readIndexState(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  options: { register?: boolean } = {},
): Promise<Map<string, string> | undefined> {
  const item = await readStateItem(adapter, namespace, options.register)
  // The generations and epochs too (indexEras.ts), from the same item.
  loadIndexRecord(adapter, namespace, item)
  if (!item || !recorded(item)) {
    return undefined
  }
  const built = new Map<string, string>()
  for (const [attribute, value] of Object.entries(item)) {
    if (attribute.startsWith(ATTRIBUTE_PREFIX) && typeof value === 'string') {
      built.set(attribute.slice(ATTRIBUTE_PREFIX.length), value)
    }
  }
  droppedIn.set(
    built,
    new Set(
      [...recordedDefinitions(adapter, namespace)]
        .filter(([, definition]) => definition === null)
        .map(([name]) => name),
    ),
  )
  return built
}

/**
 * Reads what the table records about a namespace's indexes again: what writes maintain, and what
 * queries may read (a dropped index is no longer read by this process from then on).
 */
export async function reloadIndexState(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): Promise<void> {
  const readAt = Date.now()
  const built = await readIndexState(adapter, namespace)
  if (built) {
    setBuiltIndexes(adapter, namespace, built, readAt)
  }
}

/** Records indexes as built (name → signature) and others as gone. */
export async function recordIndexState(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  changes: {
    built?: Map<string, string>
    dropped?: string[]
    /** A build's position (`undefined` clears it), by index name. */
    progress?: Map<string, string | undefined>
    /** No longer complete (being rebuilt): queries stop reading them, the generation stays. */
    unbuilt?: string[]
  },
  /** Written only while this holds; otherwise `false` is returned and nothing changes. */
  condition?: WriteCondition,
): Promise<boolean> {
  const names: Record<string, string> = {}
  const values: Record<string, unknown> = { ':now': new Date().toISOString() }
  const sets = ['#updatedAt = :now']
  const removes: string[] = []
  let n = 0
  for (const [name, signature] of changes.built ?? []) {
    names[`#a${n}`] = ATTRIBUTE_PREFIX + name
    values[`:v${n}`] = signature
    sets.push(`#a${n} = :v${n}`)
    n++
  }
  const adds: string[] = []
  for (const name of changes.dropped ?? []) {
    names[`#a${n}`] = ATTRIBUTE_PREFIX + name
    removes.push(`#a${n}`)
    n++
    // A new generation: counts tagged with the old one no longer stand (see indexGenerations).
    names[`#a${n}`] = GENERATION_PREFIX + name
    values[':one'] = 1
    adds.push(`#a${n} :one`)
    n++
  }
  for (const name of changes.unbuilt ?? []) {
    names[`#a${n}`] = ATTRIBUTE_PREFIX + name
    removes.push(`#a${n}`)
    n++
  }
  for (const [name, cursor] of changes.progress ?? []) {
    names[`#a${n}`] = PROGRESS_PREFIX + name
    if (cursor === undefined) {
      removes.push(`#a${n}`)
    } else {
      values[`:v${n}`] = cursor
      sets.push(`#a${n} = :v${n}`)
    }
    n++
  }
  names['#updatedAt'] = 'updatedAt'
  try {
    await send(
      adapter,
      new UpdateCommand({
        ConditionExpression: condition?.expression,
        ExpressionAttributeNames: { ...names, ...condition?.names },
        ExpressionAttributeValues: { ...values, ...condition?.values },
        Key: { pk: namespace.pk, sk: STATE_SK },
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
        UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
      }),
    )
  } catch (error) {
    if (condition && isConditionFailure(error)) {
      return false
    }
    throw error
  }
  return true
}

/** Where an unfinished build of `name` stopped (a partition cursor), if one did. */
export async function buildProgress(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  name: string,
): Promise<string | undefined> {
  const cursor = (await readStateItem(adapter, namespace))?.[PROGRESS_PREFIX + name]
  return typeof cursor === 'string' ? cursor : undefined
}
