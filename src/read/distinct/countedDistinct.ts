import type { FlattenedField, Where } from 'payload'

import type { IndexDefinition } from '../../indexes/definitionTypes.js'
import type { Namespace } from '../../namespaces.js'
import type { Plan } from '../../query/plan/types.js'
import type { DynamoDBAdapter } from '../../types.js'

import { counterEpochs, freshIndexState, queryableIndexes } from '../../indexes/buildState.js'
import { indexPartition } from '../../indexes/entries.js'
import { counterPartition, countedIndexes } from '../../indexes/valueCounters.js'
import { decodeOrderedValue, VALUE_TERMINATOR } from '../../keys/orderedValue.js'
import { collectionNamespace } from '../../namespaces.js'
import { queryRange } from '../../storage/indexStore.js'
import { readStamp } from '../../storage/namespaceStamp.js'
import { activeTransaction } from '../../transactions/session.js'
import { droppedWhileRead } from '../droppedWhileRead.js'
import { hintedOverflowing, overflowedWhileRead } from '../overflowingIndexes.js'
import { heldDocuments } from '../snapshots.js'

/** Value kinds whose counter keys hold the stored value itself (dates and points are uncounted). */
const DECODABLE_KINDS: ReadonlySet<string> = new Set(['boolean', 'number', 'relationship', 'text'])

/**
 * The distinct values of a top-level indexed field over a whole collection, from the index's
 * value counters (indexes/valueCounters.ts): one Query of the counter partition, whatever the
 * collection's size, instead of reading every document. Every document counts once in the value
 * of each of its values (`null` for none, as db-sqlite's LEFT JOIN gives it), in the same
 * transaction as its write, so the values with a positive count are exactly the stored ones.
 *
 * Undefined when the counters cannot answer (or need not: a collection held in memory): a `where`, a transaction that staged writes to the
 * collection, a field no ready counted index starts with (or a localized one), a value the
 * counters keep only in part (text cut at the key limit, a long id's digest), or an index that
 * overflowed or was dropped while read. The caller then reads the documents.
 */
export async function distinctFromCounters(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: { field: string; where?: Where },
): Promise<unknown[] | undefined> {
  if (!isEmptyWhere(args.where) || args.field.includes('.')) {
    return undefined
  }
  const staged = activeTransaction()?.inPartition(namespace.pk)
  if (staged && staged.size > 0) {
    return undefined
  }
  const field = namespace.fields.find((candidate) => candidate.name === args.field)
  if (!field || (await heldDocuments(adapter, namespace, { onlyIfHeld: true }))) {
    // A collection held in memory answers without a request.
    return undefined
  }
  const stateReadAt = await freshIndexState(adapter, namespace)
  const definition = countingIndex(adapter, namespace, args.field)
  if (!definition) {
    return undefined
  }
  const counterPK = counterPartition(
    namespace,
    definition,
    undefined,
    counterEpochs(adapter, namespace).get(definition.name),
  )
  const counts = await isolatedCounts(adapter, namespace, counterPK)
  if (!counts) {
    return undefined
  }
  const values: unknown[] = []
  for (const [encoded, count] of counts) {
    if (count <= 0) {
      continue
    }
    const value = storedValue(adapter, field, definition, encoded)
    if (value === undefined) {
      return undefined
    }
    values.push(value)
  }
  const plan: Plan = {
    descending: false,
    exactCount: true,
    kind: 'index',
    ordered: false,
    reads: [{ definition, pk: indexPartition(namespace, definition), ranges: [] }],
  }
  if (
    (await overflowedWhileRead(adapter, namespace, plan)) ||
    (await droppedWhileRead(adapter, namespace, plan, stateReadAt))
  ) {
    return undefined
  }
  return values
}

/** A `where` that keeps every document: none, `{}`, or and/or lists of such. */
function isEmptyWhere(where: undefined | Where): boolean {
  if (!where) {
    return true
  }
  return Object.entries(where).every(
    ([key, value]) =>
      (key === 'and' || key === 'or') &&
      Array.isArray(value) &&
      (value as Where[]).every((each) => isEmptyWhere(each)) &&
      (key === 'and' || value.length > 0),
  )
}

/** A ready, counted index whose first part is the (unlocalized) field. */
function countingIndex(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  path: string,
): IndexDefinition | undefined {
  const overflowing = hintedOverflowing(adapter, namespace)
  const localization = Boolean(adapter.payload.config.localization)
  return countedIndexes(queryableIndexes(adapter, namespace)).find((definition) => {
    const part = definition.parts[0]
    return (
      !overflowing.has(definition.name) &&
      !definition.onlyLatest &&
      part.path === path &&
      DECODABLE_KINDS.has(part.kind) &&
      !(localization && part.localized)
    )
  })
}

/** Reads of the counters tried while the collection keeps changing, before reading documents. */
const ATTEMPTS = 3
/**
 * Counter items read beyond the collection's size before reading its documents instead: counters
 * of values no document holds any more stay (at 0) until a recount, so a field whose values keep
 * changing may have more of them than the collection has documents.
 */
const ITEMS_SLACK = 1_000

/**
 * Each value's count, from one read of the counters that no write of the collection overlapped:
 * a write moving a document from one value to another changes two counter items in one
 * transaction, and a Query is not isolated from it, so it could see neither value held. The
 * collection's counter items, read before and after (every write stamps one of them in its own
 * transaction, storage/namespaceStamp.ts), tell. Undefined when the collection kept changing, or
 * held more counter items than it is worth reading.
 */
async function isolatedCounts(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  counterPK: string,
): Promise<Map<string, number> | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = await readStamp(adapter, namespace.pk)
    const counts = await sumPerValue(adapter, counterPK, Math.max(0, before.count) + ITEMS_SLACK)
    if (!counts) {
      return undefined
    }
    if ((await readStamp(adapter, namespace.pk)).stamp === before.stamp) {
      return counts
    }
  }
  return undefined
}

/**
 * Each value's count: the sum over its shards (keys are the encoded value, terminator, shard);
 * undefined past `maxItems` items.
 */
async function sumPerValue(
  adapter: DynamoDBAdapter,
  pk: string,
  maxItems: number,
): Promise<Map<string, number> | undefined> {
  const counts = new Map<string, number>()
  let items = 0
  for await (const page of queryRange(adapter, pk, { from: '\u0000', to: '\uffff' }, {})) {
    items += page.Items?.length ?? 0
    if (items > maxItems) {
      return undefined
    }
    for (const item of page.Items ?? []) {
      const sk = String(item.sk)
      const end = sk.indexOf(VALUE_TERMINATOR)
      if (end < 0) {
        continue
      }
      const encoded = sk.slice(0, end)
      counts.set(
        encoded,
        (counts.get(encoded) ?? 0) + (typeof item.count === 'number' ? item.count : 0),
      )
    }
  }
  return counts
}

/**
 * The stored value a counter key stands for, or undefined when the key keeps only part of it:
 * text cut at the index's limit (it may be longer), an id too long to key (kept as a digest).
 */
function storedValue(
  adapter: DynamoDBAdapter,
  field: FlattenedField,
  definition: IndexDefinition,
  encoded: string,
): unknown {
  const value = decodeOrderedValue(encoded)
  const part = definition.parts[0]
  if (value === undefined || value === null) {
    return value
  }
  switch (part.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined
    case 'number':
      return typeof value === 'number' ? value : undefined
    case 'relationship': {
      if (typeof value !== 'string' || value.startsWith('\u0000') || !('relationTo' in field)) {
        return undefined
      }
      if (typeof field.relationTo !== 'string') {
        return undefined
      }
      const related = collectionNamespace(adapter, field.relationTo)
      if (related.customIDType !== 'number') {
        return value
      }
      const id = Number(value)
      return Number.isFinite(id) && String(id) === value ? id : undefined
    }
    default:
      // A text as long as the limit may have been cut.
      return typeof value === 'string' && value.length < part.maxText ? value : undefined
  }
}
