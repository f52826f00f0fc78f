import { UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { Namespace } from '../namespaces.js'
import type { WriteCondition } from '../transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { counterKey } from '../keys/counterKey.js'
import { leaseOf, NO_LEASE, type RecordedLease } from '../leases/leaseRecord.js'
import { isConditionFailure } from '../storage/errors.js'
import { send } from '../storage/send.js'
import {
  BUILT_PREFIX,
  changeClauses,
  DEFINITION_PREFIX,
  DROPPED,
  type IndexChange,
} from './indexChangeClauses.js'
import { EPOCH_PREFIX, forgetIndexEras, GENERATION_PREFIX, loadIndexEras } from './indexEras.js'
import { builtAs, indexSignature } from './indexSignature.js'
import { indexesOf } from './registry.js'
import {
  bumpAtomically,
  INDEX_VERSION_ATTRIBUTE,
  SHARD_COUNTS_ATTRIBUTE,
  STATE_SK,
} from './versionBump.js'

/**
 * Indexes every writer must maintain, whatever its own config says. A process started before an
 * index was added (a rolling deploy, a rollback) does not declare it, and without this its
 * writes during and after the build would leave the index incomplete while the table records it
 * as built (docs/migrations.md).
 *
 * The namespace's state item (`M#indexes`) records the definition of each index whose build has
 * started (`def:<name>`, or `dropped`) and a version (`iv`) that moves with every such change.
 * The version is copied onto every counter shard of the namespace before the build reads any
 * document, and every write's shard update (already in each write's transaction, so no other item
 * is touched) holds only while the shard's version is not newer than the one its writer knows.
 * A writer that fails that condition reads the record again, then writes the document with the
 * entries of every recorded index. Shards a process may write are listed before it writes (`sc`:
 * the shard counts of the processes that connected), in the same item as the version, so a build
 * bumps every shard any writer uses.
 */
export { STATE_SK }

export { INDEX_VERSION_ATTRIBUTE }
export { DEFINITION_PREFIX }
export { EPOCH_PREFIX, GENERATION_PREFIX }

type IndexRecord = {
  /**
   * Indexes the table records as built (`idx:<name>`), with the built shape's signature when
   * known, or undefined when it records no index state at all (a new or emptied namespace, or
   * one of an earlier version of the adapter).
   */
  built?: Map<string, string | undefined>
  /** By name: the definition writers maintain, or null when it was dropped. */
  definitions: Map<string, IndexDefinition | null>
  /**
   * The read lease (leases/), from the same read as the version: a writer that knows a version
   * at least as new as a lease's also knows the lease.
   */
  lease: RecordedLease
  /** Indexes this process maintains (computed once per record). */
  maintained?: IndexDefinition[]
  version: number
}

const EMPTY_RECORD: IndexRecord = { definitions: new Map(), lease: NO_LEASE, version: 0 }
const records = new WeakMap<object, Map<string, IndexRecord>>()

function recordOf(adapter: DynamoDBAdapter, namespace: Namespace): IndexRecord {
  return records.get(adapter)?.get(namespace.pk) ?? EMPTY_RECORD
}

/** Takes in what the state item says (read on connect, by a reload, or returned by an update). */
export function loadIndexRecord(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  item: Record<string, unknown> | undefined,
): void {
  loadIndexEras(adapter, namespace, item)
  const definitions = new Map<string, IndexDefinition | null>()
  const built = new Map<string, string | undefined>()
  for (const [attribute, value] of Object.entries(item ?? {})) {
    if (attribute.startsWith(DEFINITION_PREFIX) && typeof value === 'string') {
      const name = attribute.slice(DEFINITION_PREFIX.length)
      definitions.set(name, value === DROPPED ? null : (JSON.parse(value) as IndexDefinition))
    } else if (attribute.startsWith(BUILT_PREFIX)) {
      built.set(attribute.slice(BUILT_PREFIX.length), typeof value === 'string' ? value : undefined)
    }
  }
  const version = item?.[INDEX_VERSION_ATTRIBUTE]
  const perAdapter = records.get(adapter) ?? new Map<string, IndexRecord>()
  records.set(adapter, perAdapter)
  // As read, even when older than what this process knew (a slower read finished last, or the
  // table was emptied by other means than migrateFresh.ts): the shard condition sends a writer
  // that is behind back for a new read.
  perAdapter.set(namespace.pk, {
    built: built.size > 0 || definitions.size > 0 ? built : undefined,
    definitions,
    lease: leaseOf(item),
    version: typeof version === 'number' ? version : 0,
  })
}

/** Forgets what was read (the table was emptied): writes follow the config until read again. */
export function forgetIndexRecords(adapter: DynamoDBAdapter): void {
  records.delete(adapter)
  forgetIndexEras(adapter)
}

/** The definitions the table records (null: dropped), as this process last read them. */
export function recordedDefinitions(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): ReadonlyMap<string, IndexDefinition | null> {
  return recordOf(adapter, namespace).definitions
}

/** The read lease as this process last read it (leases/). */
export function recordedLease(adapter: DynamoDBAdapter, namespace: Namespace): RecordedLease {
  return recordOf(adapter, namespace).lease
}

/** The recorded version this process knows for the namespace (0: nothing recorded). */
export function knownIndexVersion(adapter: DynamoDBAdapter, namespace: Namespace): number {
  return recordOf(adapter, namespace).version
}

/**
 * Takes in indexes recorded as built after the record was read (a new namespace's, recorded on
 * connect): writers maintain them from then on.
 */
export function noteBuiltIndexes(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  shapes: Iterable<[string, string]>,
): void {
  const record = records.get(adapter)?.get(namespace.pk)
  const taken = [...shapes]
  if (!record || (!record.built && taken.length === 0)) {
    // Nothing recorded is not "nothing built": writers keep maintaining the config's indexes.
    return
  }
  record.built = new Map([...(record.built ?? []), ...taken])
  record.maintained = undefined
}

/**
 * The indexes this process's writes maintain: its config's, where the table records another
 * definition of the same name the recorded one, plus recorded ones its config lacks, minus
 * recorded drops.
 *
 * An index of its config that the table neither records as built nor as being built (added to
 * the config of a collection with documents, before the migration builds it) is not maintained
 * yet: every process starts maintaining it at once when its build is announced. A process that
 * wrote its entries and counts earlier would leave them to processes of the previous config,
 * which change the same documents without them (stale entries, counts off after the build).
 */
export function maintainedIndexes(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): IndexDefinition[] {
  const declared = indexesOf(adapter, namespace)
  const record = recordOf(adapter, namespace)
  if (!record.built) {
    // No index state recorded: the config's indexes are the namespace's.
    return declared
  }
  if (!record.maintained) {
    const built = record.built
    const byName = new Map(
      declared
        .filter(
          (definition) => built.has(definition.name) || record.definitions.has(definition.name),
        )
        .map((definition) => [definition.name, definition]),
    )
    for (const [name, definition] of record.definitions) {
      if (definition === null) {
        byName.delete(name)
      } else if (indexSignature(definition) !== indexSignature(byName.get(name) ?? definition)) {
        byName.set(name, definition)
      } else if (!byName.has(name)) {
        byName.set(name, definition)
      }
    }
    record.maintained = [...byName.values()]
  }
  return record.maintained
}

/**
 * Whether the table records `definition` as being built rather than built in this shape: a
 * document the build has not reached yet has none of its entries or markers.
 */
export function indexBeingBuilt(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definition: IndexDefinition,
): boolean {
  const { built } = recordOf(adapter, namespace)
  if (!built) {
    return false
  }
  const shape = built.get(definition.name)
  return !built.has(definition.name) || (shape !== undefined && !builtAs(definition, shape))
}

/** The condition on a write's counter shard: no index change this process has not seen. */
export function shardCondition(adapter: DynamoDBAdapter, namespace: Namespace): WriteCondition {
  return {
    expression: 'attribute_not_exists(#iv) OR #iv <= :iv',
    names: { '#iv': INDEX_VERSION_ATTRIBUTE },
    values: { ':iv': knownIndexVersion(adapter, namespace) },
  }
}

/**
 * The state item's list of the shard counts of processes that connected: each process adds its
 * own with the update that reads the record on connect (buildState.ts), so a build that starts
 * later bumps its shards, and one that started earlier is in the record it reads.
 */
export { SHARD_COUNTS_ATTRIBUTE }

/**
 * Records that indexes are being built (their definitions) or were dropped, under a new version,
 * together with that version on every counter shard any writer uses: from then on every write
 * maintains the recorded indexes or fails and learns them. Run before a build reads any document.
 *
 * Both go in one transaction (`bumpAtomically`, versionBump.ts), so no process can read the new record while
 * a writer that has not read it still passes its shard condition: that writer and one of the new
 * record could otherwise change the same document in turn, the second undoing the first's entries
 * and counts of an index it does not know. With more shards than a transaction holds, the record
 * is updated first and the shards bumped after it.
 */
export async function announceIndexChange(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  change: IndexChange,
): Promise<boolean> {
  const { adds, condition, names, removes, sets, values } = changeClauses(change)
  const announced = await bumpAtomically(adapter, namespace, {
    adds,
    condition,
    names,
    removes,
    sets,
    values,
  })
  if (announced === 'refused') {
    return false
  }
  if (announced) {
    // The state item as written: what was read, with the change applied.
    const written: Record<string, unknown> = {
      ...announced.item,
      [INDEX_VERSION_ATTRIBUTE]: announced.version,
    }
    // Only what the update set, removed and added: the condition's names (`#o`, `#u`) are
    // what the item was checked against, not what it became.
    for (const [placeholder, attribute] of Object.entries(names)) {
      if (placeholder.startsWith('#f')) {
        delete written[attribute]
      } else if (placeholder.startsWith('#r')) {
        const stored = announced.item[attribute]
        written[attribute] = (typeof stored === 'number' ? stored : 0) + 1
      } else if (placeholder.startsWith('#d')) {
        written[attribute] = values[placeholder.replace('#', ':')]
      }
    }
    loadIndexRecord(adapter, namespace, written)
    return true
  }
  let out: { Attributes?: Record<string, unknown> }
  try {
    out = await send<{ Attributes?: Record<string, unknown> }>(
      adapter,
      new UpdateCommand({
        ConditionExpression: condition,
        ExpressionAttributeNames: { ...names, '#iv': INDEX_VERSION_ATTRIBUTE },
        ExpressionAttributeValues: { ...values, ':one': 1 },
        Key: { pk: namespace.pk, sk: STATE_SK },
        ReturnConsumedCapacity: 'TOTAL',
        ReturnValues: 'ALL_NEW',
        TableName: adapter.tableName,
        UpdateExpression: [
          sets.length ? `SET ${sets.join(', ')}` : '',
          removes.length ? `REMOVE ${removes.join(', ')}` : '',
          `ADD ${['#iv :one', ...adds].join(', ')}`,
        ]
          .filter(Boolean)
          .join(' '),
      }),
    )
  } catch (error) {
    if (condition && isConditionFailure(error)) {
      return false
    }
    throw error
  }
  loadIndexRecord(adapter, namespace, out.Attributes)
  await bumpShards(adapter, namespace, out.Attributes)
  return true
}

/**
 * Copies the version this process just recorded onto every counter shard any writer uses (the
 * shard counts listed in `attributes`, the state item as the update returned it): from then on a
 * writer that has not read the record since fails its shard condition and reads it.
 */
export async function bumpShards(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  attributes: Record<string, unknown> | undefined,
): Promise<void> {
  const version = knownIndexVersion(adapter, namespace)
  const counts = attributes?.[SHARD_COUNTS_ATTRIBUTE]
  const shards = Math.max(
    adapter.counterShards,
    ...(counts instanceof Set ? [...(counts as Set<number>)].map(Number) : []),
  )
  for (let first = 0; first < shards; first += 25) {
    const batch = Array.from({ length: Math.min(25, shards - first) }, (_, i) => first + i)
    await Promise.all(batch.map((shard) => bumpShard(adapter, namespace, shard, version)))
  }
}

async function bumpShard(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  shard: number,
  version: number,
): Promise<void> {
  await raiseIndexVersion(adapter, counterKey(namespace.pk, shard), version)
}

/**
 * Sets an item's index version to `version` unless it is at least that already (never lowered:
 * a later build's version stays). Creates the item when missing.
 */
export async function raiseIndexVersion(
  adapter: DynamoDBAdapter,
  key: { pk: string; sk: string },
  version: number,
): Promise<void> {
  try {
    await send(
      adapter,
      new UpdateCommand({
        ConditionExpression: 'attribute_not_exists(#iv) OR #iv < :iv',
        ExpressionAttributeNames: { '#iv': INDEX_VERSION_ATTRIBUTE },
        ExpressionAttributeValues: { ':iv': version },
        Key: key,
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
        UpdateExpression: 'SET #iv = :iv',
      }),
    )
  } catch (error) {
    if ((error as { name?: string })?.name !== 'ConditionalCheckFailedException') {
      throw error
    }
  }
}
