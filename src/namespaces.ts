import type { FlattenedField, SanitizedCollectionConfig, SanitizedGlobalConfig } from 'payload'

import { buildVersionCollectionFields, buildVersionGlobalFields } from 'payload'

import type { ItemKey, NamespaceKind } from './keys/itemKeys.js'
import type { DynamoDBAdapter, IDType } from './types.js'

import { documentKey, partitionKey } from './keys/itemKeys.js'
import { withReferencedBlocks } from './query/referencedBlocks.js'

/**
 * A namespace is one set of documents sharing a partition: a collection, its versions, a global's
 * versions. Operations resolve their slug to one of these and never think about keys again.
 */
export type Namespace = {
  /** Whether documents carry an `id` field declared in the config (text or number). */
  customIDType?: IDType
  fields: FlattenedField[]
  idType: IDType
  kind: NamespaceKind
  pk: string
  slug: string
  timestamps: boolean
}

function customIDTypeOf(config: SanitizedCollectionConfig): IDType | undefined {
  const idField = config.flattenedFields.find((field) => field.name === 'id')
  if (!idField) {
    return undefined
  }
  return idField.type === 'number' ? 'number' : 'text'
}

export function getCollectionConfig(
  adapter: DynamoDBAdapter,
  slug: string,
): SanitizedCollectionConfig {
  const config = adapter.payload.collections[slug]?.config
  if (!config) {
    throw new Error(`dynamodbAdapter: unknown collection "${slug}".`)
  }
  return config
}

export function getGlobalConfig(adapter: DynamoDBAdapter, slug: string): SanitizedGlobalConfig {
  const config = adapter.payload.config.globals.find((global) => global.slug === slug)
  if (!config) {
    throw new Error(`dynamodbAdapter: unknown global "${slug}".`)
  }
  return config
}

export function collectionNamespace(adapter: DynamoDBAdapter, slug: string): Namespace {
  const config = getCollectionConfig(adapter, slug)
  const customIDType = customIDTypeOf(config)
  return {
    customIDType,
    fields: withReferencedBlocks(config.flattenedFields, adapter.payload),
    idType: customIDType ?? adapter.defaultIDType,
    kind: 'collection',
    pk: partitionKey('collection', slug),
    slug,
    timestamps: config.timestamps !== false,
  }
}

export function versionsNamespace(adapter: DynamoDBAdapter, slug: string): Namespace {
  const config = getCollectionConfig(adapter, slug)
  return {
    fields: withReferencedBlocks(
      buildVersionCollectionFields(adapter.payload.config, config, true),
      adapter.payload,
    ),
    idType: adapter.defaultIDType,
    kind: 'versions',
    pk: partitionKey('versions', slug),
    slug,
    timestamps: true,
  }
}

export function globalNamespace(adapter: DynamoDBAdapter, slug: string): Namespace {
  const config = getGlobalConfig(adapter, slug)
  return {
    fields: withReferencedBlocks(config.flattenedFields, adapter.payload),
    idType: adapter.defaultIDType,
    kind: 'global',
    pk: partitionKey('global', slug),
    slug,
    timestamps: true,
  }
}

export function globalVersionsNamespace(adapter: DynamoDBAdapter, slug: string): Namespace {
  const config = getGlobalConfig(adapter, slug)
  return {
    fields: withReferencedBlocks(
      buildVersionGlobalFields(adapter.payload.config, config, true),
      adapter.payload,
    ),
    idType: adapter.defaultIDType,
    kind: 'globalVersions',
    pk: partitionKey('globalVersions', slug),
    slug,
    timestamps: true,
  }
}

/** The key of the document `id` in this namespace (ids are coerced to the namespace's id type). */
export function keyOf(namespace: Namespace, id: number | string): ItemKey {
  return documentKey(namespace.kind, namespace.slug, coerceID(id, namespace))
}

/** Ids arrive from URLs as strings; a number-id namespace keys them as numbers. */
export function coerceID(id: number | string, namespace: Namespace): number | string {
  if (
    namespace.idType === 'number' &&
    typeof id === 'string' &&
    id.trim() !== '' &&
    !Number.isNaN(Number(id))
  ) {
    return Number(id)
  }
  if (namespace.idType === 'text' && typeof id === 'number') {
    return String(id)
  }
  return id
}

/**
 * The pointers to the latest version of each parent of a versions namespace. Every version
 * write reads and rewrites its parent's pointer (conditioned on its revision), so two writes of
 * versions of one parent conflict and run one after the other; a query for the `latest: true`
 * versions alone could miss a version committed meanwhile. No indexes, no counter.
 */
export function latestPointerNamespace(versions: Namespace): Namespace {
  const slug = `${versions.kind}:${versions.slug}`
  return {
    fields: [],
    idType: 'text',
    kind: 'latest',
    pk: partitionKey('latest', slug),
    slug,
    timestamps: false,
  }
}

/** The namespace of a kind and slug (as a commit journal records them). */
export function namespaceOf(
  adapter: DynamoDBAdapter,
  kind: NamespaceKind,
  slug: string,
): Namespace {
  switch (kind) {
    case 'collection':
      return collectionNamespace(adapter, slug)
    case 'global':
      return globalNamespace(adapter, slug)
    case 'globalVersions':
      return globalVersionsNamespace(adapter, slug)
    case 'latest': {
      const [versionsKind, ...rest] = slug.split(':')
      return latestPointerNamespace(
        namespaceOf(adapter, versionsKind as NamespaceKind, rest.join(':')),
      )
    }
    default:
      return versionsNamespace(adapter, slug)
  }
}
