import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { getCollectionConfig, getGlobalConfig } from '../namespaces.js'
import { activeTransaction, keyString, type Transaction } from '../transactions/session.js'
import { isPlainObject } from '../utilities/plainObject.js'

/*
 * Two publishes of one document racing: the slower transaction's commit runs its steps again over
 * the faster one's save and stores its document last, but with the stamps of its first run.
 * Payload takes the version with the newest `updatedAt` as the draft (and `latest`), so the
 * document and its draft would be different saves, and the next save would build on the one not
 * stored. So when a commit running again finds a document (of a collection or global with
 * drafts) that another save changed since the transaction first read it as stored, it runs its
 * steps once more and stamps what they write for that document (its `updatedAt`, its versions'
 * `updatedAt` and `version.updatedAt`) when they write it: each first-run stamp gets a new one,
 * the clock's and after the previous new one (and after the document it stores over), and a
 * version's copy of its document's stamp the same new one. So they come after everything
 * committed before, in the order the transaction made them (a snapshot or a draft saved after a
 * publish stays after it), and not ahead of the clock. Stamps older than the transaction (set by
 * the caller: an import) stay, and so do the stamps of the other documents: one that only had a
 * newer draft saved meanwhile (its document untouched) keeps its stamps, and the newer draft stays
 * the draft, as on db-postgres. Assumes the processes' clocks agree to within the time between
 * two saves of one document.
 */

const GLOBAL = 'global'

/** The document (collection document or global) that `doc`, of `namespace`, is or is a version of. */
function documentOf(namespace: Namespace, doc: Doc): string | undefined {
  switch (namespace.kind) {
    case 'collection':
      return `collection\u0000${namespace.slug}\u0000${String(doc.id)}`
    case 'global':
    case 'globalVersions':
      return `global\u0000${namespace.slug}\u0000${GLOBAL}`
    case 'versions':
      return `collection\u0000${namespace.slug}\u0000${String(doc.parent)}`
    default:
      return undefined
  }
}

/** Whether a namespace holds documents or versions of a collection or global with drafts. */
export function withDrafts(adapter: DynamoDBAdapter, namespace: Namespace): boolean {
  if (namespace.kind === 'collection' || namespace.kind === 'versions') {
    return Boolean(getCollectionConfig(adapter, namespace.slug).versions?.drafts)
  }
  if (namespace.kind === 'global' || namespace.kind === 'globalVersions') {
    return Boolean(getGlobalConfig(adapter, namespace.slug).versions?.drafts)
  }
  return false
}

/**
 * Notes, in a commit running again, that a document this write first read as stored (`read`,
 * from the transaction's first run: `null` if there was none) was saved by another request since
 * (`now`, as stored now): the commit runs its steps again with that document's stamps moved (see
 * above, and `commitStaged` in transactions/lifecycle.ts).
 */
function noteSavedMeanwhile(
  namespace: Namespace,
  read: Doc | null | undefined,
  now: Doc | null,
): void {
  const transaction = activeTransaction()
  if (
    !transaction?.replaying ||
    !now ||
    // Read as absent at first (a global's first save), or saved with another stamp since.
    !(read === null || (read !== undefined && read.updatedAt !== now.updatedAt))
  ) {
    return
  }
  const name = documentOf(namespace, now)
  if (name) {
    transaction.savedMeanwhile.add(name)
  }
}

/**
 * For one write of `namespace` (its step runs again on conflicts and at commit): called with each
 * document it reads (`read`, as the transaction sees it), notes the document as saved meanwhile
 * when it is stored otherwise than when the write first read it, the transaction's own staged
 * writes aside. Does nothing for collections and globals without drafts.
 */
export function watchSavedMeanwhile(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): (key: ItemKey, read: Doc | null) => void {
  if (!withDrafts(adapter, namespace)) {
    return () => {}
  }
  const firstStored = new Map<string, Doc | null>()
  return (key, read) => {
    const transaction = activeTransaction()
    const asStored = transaction ? transaction.storedBefore(key, read) : read
    const name = keyString(key)
    if (!firstStored.has(name)) {
      firstStored.set(name, asStored)
    }
    noteSavedMeanwhile(namespace, firstStored.get(name), asStored)
  }
}

const justAfter = (stamp: string) => new Date(Date.parse(stamp) + 1).toISOString()
const later = (a: string, b: string) => (a > b ? a : b)

/** The new stamp of a document's first-run `stamp` (see above), after `floor` if given. */
function moved(transaction: Transaction, name: string, stamp: unknown, floor?: unknown): unknown {
  if (typeof stamp !== 'string' || stamp < transaction.begunAt || Number.isNaN(Date.parse(stamp))) {
    return stamp
  }
  const mapKey = `${name}\u0000${stamp}`
  const known = transaction.stampsMoved.get(mapKey)
  if (known) {
    return known
  }
  let next = new Date().toISOString()
  if (transaction.lastStampMoved) {
    next = later(next, justAfter(transaction.lastStampMoved))
  }
  if (typeof floor === 'string' && !Number.isNaN(Date.parse(floor))) {
    next = later(next, justAfter(floor))
  }
  transaction.stampsMoved.set(mapKey, next)
  transaction.lastStampMoved = next
  return next
}

/**
 * `after` (a document or version written by a commit running again) with its stamps moved, if
 * its document was found saved meanwhile (`noteSavedMeanwhile`). An `updatedAt` the write
 * leaves as stored (`before`) stays; a new one comes after it.
 */
export function shiftedStamps(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  before: Doc | null | undefined,
  after: Doc,
): Doc {
  const transaction = activeTransaction()
  const name = transaction?.replaying ? documentOf(namespace, after) : undefined
  if (!transaction || !name || !transaction.savedMeanwhile.has(name)) {
    return after
  }
  const out = { ...after }
  // A version's copy of its document's stamp first, so that it maps as the document's did.
  const isVersion = namespace.kind === 'versions' || namespace.kind === 'globalVersions'
  if (isVersion && isPlainObject(after.version) && 'updatedAt' in after.version) {
    out.version = {
      ...after.version,
      updatedAt: moved(transaction, name, after.version.updatedAt),
    }
  }
  if (after.updatedAt !== before?.updatedAt) {
    out.updatedAt = moved(transaction, name, after.updatedAt, before?.updatedAt)
  }
  return out
}

/**
 * `version` (being made latest by a commit running again, its stamps moved) stamped after the
 * other latest versions `others` of its document too: a process whose clock runs ahead may have
 * stamped one after the moment this commit stamps.
 */
export function afterOtherVersions(namespace: Namespace, version: Doc, others: Doc[]): Doc {
  const transaction = activeTransaction()
  const name = transaction?.replaying ? documentOf(namespace, version) : undefined
  if (!name || !transaction?.savedMeanwhile.has(name) || typeof version.updatedAt !== 'string') {
    return version
  }
  const newest = others.reduce(
    (at, other) =>
      typeof other.updatedAt === 'string' && !Number.isNaN(Date.parse(other.updatedAt))
        ? later(at, other.updatedAt)
        : at,
    '',
  )
  return newest && newest >= version.updatedAt
    ? { ...version, updatedAt: justAfter(newest) }
    : version
}
