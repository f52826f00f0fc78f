/**
 * Every stored document item carries `rev`, a number raised by one on every write (1 on create;
 * items written before revisions existed have none, read as 0), and `w`, the ids of the last
 * writes that stored it (newest first). Every update and delete is conditioned on the revision
 * its index and marker changes were computed from; `w` tells a writer whose response was lost
 * that its write landed, even when other writers have written the document since.
 *
 * The revision a document was read at is remembered beside the object (not inside it, so
 * Payload never sees it) for the write path to condition on.
 */
const revisions = new WeakMap<object, number>()
const writeIDs = new WeakMap<object, string[]>()
/** `ix` of the item: the indexes whose value counters count the document (indexes/valueCounters.ts). */
const coverages = new WeakMap<object, string[]>()
/** How many items hold a document read from the table (see `documentEncoding.ts`), when more than one. */
const partCounts = new WeakMap<object, number>()

/** `lk` of the item: the journaled write that holds the document (write/documentLocks.ts). */
const locks = new WeakMap<object, string>()

/** How many recent write ids a document item keeps. */
export const RECENT_WRITES = 8

/** The document inside a stored item, remembering the item's revision and write id. */
export function documentOf<T extends object>(item: Record<string, unknown>): T {
  const doc = item.doc as T
  revisions.set(doc, typeof item.rev === 'number' ? item.rev : 0)
  if (typeof item.zparts === 'number' && item.zparts > 1) {
    partCounts.set(doc, item.zparts)
  }
  if (Array.isArray(item.w)) {
    writeIDs.set(doc, item.w as string[])
  }
  if (Array.isArray(item.ix)) {
    coverages.set(doc, item.ix as string[])
  }
  if (typeof item.lk === 'string') {
    locks.set(doc, item.lk)
  }
  return doc
}

/**
 * The journaled write that held `doc` when it was read, if any: such a write may still have to
 * move the document's value counts (a split document's later requests), so its counts are not
 * settled.
 */
export function lockedBy(doc: object): string | undefined {
  return locks.get(doc)
}

/** The indexes whose value counters count `doc` as stored (none for items without `ix`). */
export function countedIn(doc: object): string[] {
  return coverages.get(doc) ?? []
}

/** Marks `doc` as counted in the indexes of `coverage` (after a write stored it so). */
export function rememberCoverage(doc: object, coverage: string[]): void {
  coverages.set(doc, coverage)
}

/** The revision `doc` was read at, or undefined for an object that did not come from the table. */
export function revisionOf(doc: object): number | undefined {
  return revisions.get(doc)
}

/** How many items hold `doc` in the table (1 unless it was read split, or written split). */
export function storedPartCount(doc: object): number {
  return partCounts.get(doc) ?? 1
}

/** Marks `doc` as stored in `parts` items (set when it is written). */
export function rememberPartCount(doc: object, parts: number): void {
  partCounts.set(doc, parts)
}

/** The ids of the last writes that stored `doc` (newest first). */
export function recentWrites(doc: object): string[] {
  return writeIDs.get(doc) ?? []
}

/** Marks `doc` as stored at `revision` by `writes` (after a write, for later writes). */
export function rememberRevision(doc: object, revision: number, writes?: string[]): void {
  revisions.set(doc, revision)
  if (writes) {
    writeIDs.set(doc, writes)
  }
}

/** The `w` of an item written by `writeID` over `before`. */
export function writesAfter(before: null | object, writeID: string): string[] {
  return [writeID, ...(before ? recentWrites(before) : [])].slice(0, RECENT_WRITES)
}

/** The condition that the item at a key is still at `revision` (0: stored without revisions). */
export function revisionCondition(revision: number): {
  expression: string
  values?: Record<string, unknown>
} {
  return revision === 0
    ? { expression: 'attribute_exists(pk) AND attribute_not_exists(rev)' }
    : { expression: 'rev = :rev', values: { ':rev': revision } }
}

/** `copy` stands for `original` (a reshaped copy of a read document): it keeps its revision. */
export function sameRevision<T extends object>(original: object, copy: T): T {
  const revision = revisions.get(original)
  if (revision !== undefined && copy !== original) {
    rememberRevision(copy, revision, writeIDs.get(original))
    const coverage = coverages.get(original)
    if (coverage) {
      coverages.set(copy, coverage)
    }
    const parts = partCounts.get(original)
    if (parts !== undefined) {
      partCounts.set(copy, parts)
    }
  }
  return copy
}

/**
 * A deep copy of a document read from the table, remembering what the original was read with
 * (revision, write ids, counted indexes, parts): what a reader gets from documents held in memory,
 * which callers may change freely.
 */
export function copyStoredDocument<T extends object>(doc: T): T {
  const copy = structuredClone(doc)
  for (const remembered of [revisions, writeIDs, coverages, partCounts, locks] as WeakMap<
    object,
    unknown
  >[]) {
    if (remembered.has(doc)) {
      remembered.set(copy, remembered.get(doc))
    }
  }
  return copy
}
