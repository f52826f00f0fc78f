import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { getCollectionConfig, getGlobalConfig } from '../namespaces.js'
import { activeTransaction } from '../transactions/session.js'
import { isPlainObject } from './transform/isPlainObject.js'

/*
 * Two publishes of one document racing: the slower transaction's commit runs its steps again over
 * the faster one's save and stores its document last, but with the stamps of its first run.
 * Payload takes the version with the newest `updatedAt` as the draft (and `latest`), so the
 * document and its draft would be different saves, and the next save would build on the one not
 * stored. So once a commit running again meets a document (of a collection or global with drafts)
 * that another save changed since the transaction first read it, it moves the stamps it writes
 * from then on (documents' and versions' `updatedAt`, and a version's `version.updatedAt`) by
 * the time between the transaction's start and this run's: they come after everything committed
 * before, in the order the transaction made them (a snapshot or a draft saved after a publish
 * stays after it). Stamps older than the transaction (set by the caller: an import) stay. A
 * commit that runs again only because of other items (a newer draft's version, which leaves the
 * document alone) keeps its stamps: the newer draft stays the draft, as on db-postgres.
 */

function withDrafts(adapter: DynamoDBAdapter, namespace: Namespace): boolean {
  if (namespace.kind === 'collection' || namespace.kind === 'versions') {
    return Boolean(getCollectionConfig(adapter, namespace.slug).versions?.drafts)
  }
  if (namespace.kind === 'global' || namespace.kind === 'globalVersions') {
    return Boolean(getGlobalConfig(adapter, namespace.slug).versions?.drafts)
  }
  return false
}

/**
 * Notes, in a commit running again, that a document this write first read (`read`, from the
 * transaction's first run) was saved by another request since (`now`, as stored): the stamps
 * written from here on move (see above).
 */
export function noteSavedMeanwhile(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  read: Doc | null | undefined,
  now: Doc | null | undefined,
): void {
  const transaction = activeTransaction()
  if (
    transaction?.replayedAt &&
    !transaction.shiftingStamps &&
    read &&
    now &&
    read.updatedAt !== now.updatedAt &&
    withDrafts(adapter, namespace)
  ) {
    transaction.shiftingStamps = true
  }
}

/** `stamp` moved as described above, if it is one to move. */
function shifted(stamp: unknown, begunAt: string, replayedAt: string): unknown {
  if (typeof stamp !== 'string' || stamp < begunAt) {
    return stamp
  }
  const at = Date.parse(stamp)
  if (Number.isNaN(at)) {
    return stamp
  }
  return new Date(at + (Date.parse(replayedAt) - Date.parse(begunAt))).toISOString()
}

/**
 * `after` (a document or version written by a commit running again) with its stamps moved, once
 * that commit met a document saved meanwhile (`noteSavedMeanwhile`). An `updatedAt` the write
 * leaves as stored (`before`) stays.
 */
export function shiftedStamps(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  before: Doc | null | undefined,
  after: Doc,
): Doc {
  const transaction = activeTransaction()
  if (!transaction?.replayedAt || !transaction.shiftingStamps || !withDrafts(adapter, namespace)) {
    return after
  }
  const { begunAt, replayedAt } = transaction
  const out = { ...after }
  if (after.updatedAt !== before?.updatedAt) {
    out.updatedAt = shifted(after.updatedAt, begunAt, replayedAt)
  }
  if (isPlainObject(after.version) && 'updatedAt' in after.version) {
    out.version = {
      ...after.version,
      updatedAt: shifted(after.version.updatedAt, begunAt, replayedAt),
    }
  }
  return out
}
