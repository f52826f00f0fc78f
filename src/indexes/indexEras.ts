import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

/** How many times an index was dropped (`indexGenerations`). */
export const GENERATION_PREFIX = 'gen:'
/** How many times an index's value counters were started afresh (`counterEpochs`). */
export const EPOCH_PREFIX = 'epoch:'

const NONE: ReadonlyMap<string, number> = new Map()
type Eras = { epochs: ReadonlyMap<string, number>; generations: ReadonlyMap<string, number> }
const erasByAdapter = new WeakMap<object, Map<string, Eras>>()

/**
 * Takes in the generations and epochs of a namespace's state item, from the same read as its
 * index record's version (indexRecord.ts `loadIndexRecord`, whoever read the item: a state read,
 * a lease confirmation, a lease taken). A writer counts in the epoch of the version it knows: one
 * that learned a rebuild's version without its epoch would pass its shard's condition and count
 * in the old epoch, which no query reads any more.
 */
export function loadIndexEras(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  item: Record<string, unknown> | undefined,
): void {
  const generations = new Map<string, number>()
  const epochs = new Map<string, number>()
  for (const [attribute, value] of Object.entries(item ?? {})) {
    if (attribute.startsWith(GENERATION_PREFIX) && typeof value === 'number') {
      generations.set(attribute.slice(GENERATION_PREFIX.length), value)
    } else if (attribute.startsWith(EPOCH_PREFIX) && typeof value === 'number') {
      epochs.set(attribute.slice(EPOCH_PREFIX.length), value)
    }
  }
  const perAdapter = erasByAdapter.get(adapter) ?? new Map<string, Eras>()
  erasByAdapter.set(adapter, perAdapter)
  perAdapter.set(namespace.pk, { epochs, generations })
}

/**
 * How many times each index of a namespace was dropped (an index no longer in the config, or
 * reshaped), as last read. Documents record the indexes whose value counters count them (`ix`) by
 * a token that includes this generation: an index removed and later added back under the same
 * name and shape starts a new generation, so the tokens its documents kept from the old one do
 * not count for the new build (valueCounters.ts).
 */
export function indexGenerations(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): ReadonlyMap<string, number> {
  return erasByAdapter.get(adapter)?.get(namespace.pk)?.generations ?? NONE
}

/**
 * How many times each index's value counters were started afresh, by name: a rebuild counts every
 * document again into counters of a new epoch (their own partition, valueCounters.ts), which no
 * write of the old epoch touches, so the count is exact while writers go on.
 */
export function counterEpochs(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): ReadonlyMap<string, number> {
  return erasByAdapter.get(adapter)?.get(namespace.pk)?.epochs ?? NONE
}

/** Forgets the generations and epochs read (the table was emptied: its state item has none). */
export function forgetIndexEras(adapter: DynamoDBAdapter): void {
  erasByAdapter.delete(adapter)
}
