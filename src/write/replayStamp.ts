import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { getCollectionConfig, getGlobalConfig } from '../namespaces.js'
import { activeTransaction } from '../transactions/session.js'
import { isPlainObject } from './transform/isPlainObject.js'

/*
 * Two publishes of one document racing: the slower transaction's commit is computed again over
 * the faster one and stores its document last, but stamped when it first ran. Payload takes the
 * version with the newest `updatedAt` as the draft (and `latest`), so the document and its draft
 * would be different saves and the next save would build on the one not stored. A commit computed
 * again therefore stamps the documents it writes (of collections and globals with drafts) when it
 * stores them, after what it stores over, and the version of the same save (its
 * `version.updatedAt` is the document's) with the same stamp, after every other latest version:
 * both are stored last, so both are the newest, as on db-postgres, where the last commit's
 * version is the latest. A version saved without its document (a draft) keeps its stamp.
 */

const parentName = (kind: 'collection' | 'global', slug: string, id: unknown) =>
  `${kind}\u0000${slug}\u0000${String(id)}`

const GLOBAL_ID = 'global'

function hasDrafts(adapter: DynamoDBAdapter, namespace: Namespace): boolean {
  const config =
    namespace.kind === 'collection'
      ? getCollectionConfig(adapter, namespace.slug)
      : getGlobalConfig(adapter, namespace.slug)
  return Boolean(config.versions && config.versions.drafts)
}

const later = (a: string, b: string) => (a > b ? a : b)
const justAfter = (stamp: string) => new Date(Date.parse(stamp) + 1).toISOString()

/**
 * `after` (a document of a collection or global with drafts, written by a commit computed again)
 * stamped when the commit runs again, and after the stored `before`. Unchanged otherwise, and
 * when the write leaves `updatedAt` as stored.
 */
export function stampReplayed(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  before: Doc | null | undefined,
  after: Doc,
): Doc {
  const transaction = activeTransaction()
  const own = after.updatedAt
  const stored = before?.updatedAt
  if (
    !transaction?.replayedAt ||
    (namespace.kind !== 'collection' && namespace.kind !== 'global') ||
    typeof own !== 'string' ||
    own === stored ||
    !hasDrafts(adapter, namespace)
  ) {
    return after
  }
  const to = later(
    later(transaction.replayedAt, own),
    typeof stored === 'string' ? justAfter(stored) : '',
  )
  const id = namespace.kind === 'global' ? GLOBAL_ID : after.id
  transaction.restamped.set(parentName(namespace.kind, namespace.slug, id), { from: own, to })
  return { ...after, updatedAt: to }
}

/**
 * A version of the save whose document `stampReplayed` stamped in this commit, stamped with it
 * (`version.updatedAt`) and after every other latest version (`updatedAt`). Unchanged otherwise.
 */
export function stampWithParent(namespace: Namespace, version: Doc, others: Doc[]): Doc {
  const transaction = activeTransaction()
  if (!transaction?.replayedAt || !isPlainObject(version.version)) {
    return version
  }
  const name =
    namespace.kind === 'globalVersions'
      ? parentName('global', namespace.slug, GLOBAL_ID)
      : parentName('collection', namespace.slug, version.parent)
  const stamp = transaction.restamped.get(name)
  if (!stamp || version.version.updatedAt !== stamp.from) {
    return version
  }
  const newest = others.reduce(
    (at, other) =>
      typeof other.updatedAt === 'string' ? later(at, justAfter(other.updatedAt)) : at,
    stamp.to,
  )
  return {
    ...version,
    updatedAt: later(String(version.updatedAt ?? ''), newest),
    version: { ...version.version, updatedAt: stamp.to },
  }
}
