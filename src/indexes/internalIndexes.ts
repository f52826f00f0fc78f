import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { getCollectionConfig } from '../namespaces.js'

/**
 * Fields Payload's own queries filter on that its configs leave unindexed, per collection Payload
 * adds (or per field Payload adds to an auth collection). Without them those queries read the
 * whole collection, and the fallback log would ask for `index: true` on a collection the user
 * never wrote. Everything else Payload queries is indexed already: `payload-preferences` (key,
 * user), `payload-locked-documents` (document, globalSlug, user), `payload-jobs` (queue,
 * processing, completedAt, hasError, waitUntil, taskSlug, workflowSlug, concurrencyKey) and
 * `payload-kv` (key) mark their fields `index`, and relationships are always indexed.
 */
const BY_SLUG: Record<string, string[]> = {
  'payload-migrations': [
    // migrate:reset deletes the dev migration with `batch equals -1`.
    'batch',
    // migrate:down and migrate:refresh delete a migration's record with `name equals`.
    'name',
  ],
  'payload-query-presets': [
    // The list view's presets of one collection: `relatedCollection equals`.
    'relatedCollection',
    // Preset access: `access.<operation>.constraint equals 'everyone'` (or a custom constraint),
    // one branch of an `or` whose other branch reads the (indexed) `access.<operation>.users`.
    'access.read.constraint',
    'access.update.constraint',
    'access.delete.constraint',
  ],
}

/** Fields Payload adds to auth collections and looks users up by. */
const AUTH_PATHS = [
  // resetPassword: `resetPasswordToken equals` (and `resetPasswordExpiration greater_than`).
  'resetPasswordToken',
  // verifyEmail: `_verificationToken equals` (collections with `auth.verify`).
  '_verificationToken',
  // API-key authentication, on every request that carries a key: `apiKeyIndex equals` (`or` of
  // the sha1 and sha256 digests; collections with `auth.useAPIKey`).
  'apiKeyIndex',
]

/**
 * The paths of `namespace` that get an index for Payload's own queries (single-field, never
 * unique). Paths the namespace does not have (a feature that is off) are ignored by the caller.
 */
export function internalIndexPaths(adapter: DynamoDBAdapter, namespace: Namespace): string[] {
  if (namespace.kind !== 'collection') {
    return []
  }
  const paths = [...(BY_SLUG[namespace.slug] ?? [])]
  if (getCollectionConfig(adapter, namespace.slug).auth) {
    paths.push(...AUTH_PATHS)
  }
  return paths
}
