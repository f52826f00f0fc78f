import { createHash } from 'node:crypto'

import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { encodeName } from '../keys/encoding.js'
import { VALUE_TERMINATOR } from '../keys/orderedValue.js'
import { legacySignature } from './indexSignature.js'
import { indexEntries, localesFor, maxEntriesPerIndex, overflowPartition } from './entries.js'

/**
 * Per-value counters: for every non-unique index, how many documents hold each value of its
 * first part (per locale for localized fields), so the total of an equality or `in` list is read
 * from a few small items instead of counting the matches. They are written in the same
 * transaction as the document and its entries, so they are exact under concurrent writers.
 *
 * A value's count is split over `counterShards` items (the shard is picked by document id): two
 * writers of different documents rarely touch the same item, which is what makes concurrent
 * transactions conflict, and the count is one Query summing the shards.
 */
export const DEFAULT_COUNTER_SHARDS = 8
/** The most shards a counter may have (the `counterShards` option is checked against it). */
export const MAX_COUNTER_SHARDS = 1000

/**
 * The partition holding one index's value counters (`K`, beside its entries' `I`), in one epoch
 * (`K~<epoch>` after a rebuild counted afresh, buildState.ts `counterEpochs`).
 */
export function counterPartition(
  namespace: Namespace,
  definition: IndexDefinition,
  locale?: string,
  epoch = 0,
): string {
  const kind = epoch > 0 ? `K~${epoch}` : 'K'
  return `${namespace.pk}#${kind}#${encodeName(definition.name)}${locale ? `#${encodeName(locale)}` : ''}`
}

/** How many times each index's counters were started afresh, by name (buildState.ts). */
export type Epochs = ReadonlyMap<string, number>

/**
 * Kinds whose values are rarely shared, so a counter per value would be one more item per
 * document in every write (a date is a moment: `createdAt` and `updatedAt` are on every
 * collection, and `updatedAt` moves on every update) for counts that are a few entries anyway.
 * An equality count on them counts the entries of the value (keys only, `Select: COUNT`).
 */
const UNCOUNTED_KINDS: ReadonlySet<string> = new Set(['date', 'point'])

/**
 * Indexes that keep value counters: not a unique index (it holds one document per value anyway),
 * nor one whose first part is a date or a point.
 */
export function countedIndexes(definitions: IndexDefinition[]): IndexDefinition[] {
  return definitions.filter(
    (definition) => !definition.unique && !UNCOUNTED_KINDS.has(definition.parts[0]?.kind),
  )
}

/** How many times each index was dropped, by name (buildState.ts `indexGenerations`). */
export type Generations = ReadonlyMap<string, number>

/**
 * Names one index shape, in one generation, in a document item's `ix`: the document's writer
 * counted it in that index's counters. A document stored before an index existed is not counted
 * there until the index build counts it, exactly once (see buildIndex.ts). The generation moves
 * on when the index is dropped, so tokens left from before a drop never count for an index of
 * the same name and shape added back later (generation 0 keeps the tokens of earlier versions).
 */
export function coverageToken(definition: IndexDefinition, generations: Generations): string {
  const generation = generations.get(definition.name) ?? 0
  return createHash('sha256')
    .update(
      `${definition.name}\u0000${legacySignature(definition)}${generation > 0 ? `\u0000${generation}` : ''}`,
    )
    .digest('hex')
    .slice(0, 10)
}

/** The `ix` a writer stores on a document item: every counted index of the namespace. */
export function coverageOf(definitions: IndexDefinition[], generations: Generations): string[] {
  return [
    ...countedIndexes(definitions).map((definition) => coverageToken(definition, generations)),
    // Written at today's limit of entries: no overflow entry of an earlier version to look for.
    entryLimitToken(),
  ].sort()
}

/** The `ix` token of documents written with the present limit of entries per index. */
export function entryLimitToken(): string {
  return `limit:${maxEntriesPerIndex()}`
}

/** The shard a document's (or a write's) counts go to: stable for the same id. */
export function shardOf(id: number | string, shards: number): number {
  return createHash('sha256').update(String(id)).digest().readUInt32BE(0) % shards
}

/** The counter keys (pk + encoded value) a document counts in, for one index. */
export function countedValues(
  namespace: Namespace,
  definition: IndexDefinition,
  locales: string[],
  doc: Doc,
  epochs: Epochs,
): Set<string> {
  const values = new Set<string>()
  for (const locale of localesFor(definition, locales)) {
    const pk = counterPartition(namespace, definition, locale, epochs.get(definition.name))
    // The entries of this locale alone (an unlocalized index has one partition anyway).
    const inLocale = locale ? { ...definition, locales: [locale] } : definition
    const overflow = overflowPartition(namespace, definition, locale)
    for (const entry of indexEntries(namespace, [inLocale], [], doc)) {
      if (entry.pk === overflow) {
        // Counted in none of its values: queries of the index read the collection meanwhile.
        continue
      }
      const end = entry.sk.indexOf(VALUE_TERMINATOR) + VALUE_TERMINATOR.length
      values.add(`${pk}\u0000${entry.sk.slice(0, end)}`)
    }
  }
  return values
}

export type CounterDelta = { amount: number; key: ItemKey }

/** A counter item of one value and shard. */
export function valueCounterKey(counted: string, shard: number): ItemKey {
  const [pk, value] = counted.split('\u0000')
  return { pk, sk: `${value}${shard}` }
}

/**
 * How a change moves the value counters: +1 for each value the document gains, -1 for each it
 * loses. `beforeCovered` says which indexes the stored version was counted in (its `ix`).
 */
export function counterDeltas(
  namespace: Namespace,
  definitions: IndexDefinition[],
  locales: string[],
  change: {
    after: Doc | null
    before: Doc | null
    beforeCovered: string[]
    epochs: Epochs
    generations: Generations
    shards: number
  },
): CounterDelta[] {
  const { after, before, beforeCovered, epochs, generations } = change
  const id = ((after ?? before) as { id: number | string }).id
  const shard = shardOf(id, change.shards)
  const deltas: CounterDelta[] = []
  for (const definition of countedIndexes(definitions)) {
    const old =
      before && beforeCovered.includes(coverageToken(definition, generations))
        ? countedValues(namespace, definition, locales, before, epochs)
        : new Set<string>()
    const next = after
      ? countedValues(namespace, definition, locales, after, epochs)
      : new Set<string>()
    for (const value of next) {
      if (!old.has(value)) {
        deltas.push({ amount: 1, key: valueCounterKey(value, shard) })
      }
    }
    for (const value of old) {
      if (!next.has(value)) {
        deltas.push({ amount: -1, key: valueCounterKey(value, shard) })
      }
    }
  }
  return deltas
}
