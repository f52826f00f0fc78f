import type { ItemKey } from './itemKeys.js'

/** The sort-key prefix of the items counting a namespace's documents. */
export const COUNTER_SK = 'M#count'

/**
 * An item counting a namespace's documents; it lives in the namespace's partition, outside `D#`.
 * The count is the sum of the base item (`M#count`, what earlier versions wrote and what a
 * recount sets) and its shards (`M#count#<n>`, which writes add to: concurrent creates touch
 * different items, so their transactions do not conflict on one hot counter).
 */
export function counterKey(namespacePK: string, shard?: number): ItemKey {
  return { pk: namespacePK, sk: shard === undefined ? COUNTER_SK : `${COUNTER_SK}#${shard}` }
}

/**
 * The attribute of a namespace's counter items that every write of its documents sets to a new
 * unique value (in the same transaction): the items' counts and stamps together change whenever
 * a document does, so one read of them tells whether a namespace changed (see read/snapshots.ts).
 */
export const STAMP_ATTRIBUTE = 'stamp'

/**
 * How many writes stamped a counter item: a stamp alone says only which write came last, so a
 * process catching up with its own writes could not tell that another write came before them.
 */
export const WRITES_ATTRIBUTE = 'writes'
