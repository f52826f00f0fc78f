import type { Payload, SanitizedJoins } from 'payload'

import { appendVersionToQueryKey, combineQueries, getQueryDraftsSort } from 'payload'
import { fieldShouldBeLocalized, hasDraftsEnabled } from 'payload/shared'

import type { Namespace } from '../../namespaces.js'
import type { Doc, DocID, RelationLookup } from '../../query/types.js'
import type { DynamoDBAdapter } from '../../types.js'
import type { SortableEntry } from './crossCollectionSort.js'
import type { LocaleReading } from './fieldPaths.js'
import type { RequestedJoin } from './requestedJoins.js'

import { collectionNamespace, getCollectionConfig, versionsNamespace } from '../../namespaces.js'
import { buildComparator } from '../../query/compileSort.js'
import { compileWhere } from '../../query/compileWhere.js'
import { readPartition } from '../../storage/documentStore.js'
import { createLookup } from '../lookup.js'
import { crossCollectionComparator } from './crossCollectionSort.js'
import { idKey, referencedID, valuesAtPath } from './fieldPaths.js'
import { whereForCollection } from './polymorphicWhere.js'

/** A document listed by a join. */
export type JoinedDocument = {
  /** The listed id: the document's, or for a draft the id of the document it is a version of. */
  id: DocID
  /** Keys (`idKey`) of the parents it points at. */
  parents: Set<string>
  raw: Doc
  relationTo: string
} & SortableEntry

/** State shared by the joins of one `resolveJoins` call: each partition is read once. */
export type JoinContext = {
  adapter: DynamoDBAdapter
  /** Joined collections with drafts list their latest versions (queryDrafts, or `draftsEnabled`). */
  drafts: boolean
  lookup: RelationLookup
  partition: (namespace: Namespace) => Promise<Doc[]>
}

export function createJoinContext(adapter: DynamoDBAdapter, drafts: boolean): JoinContext {
  const partitions = new Map<string, Promise<Doc[]>>()
  return {
    adapter,
    drafts,
    lookup: createLookup(adapter),
    partition: (namespace) => {
      let docs = partitions.get(namespace.pk)
      if (!docs) {
        docs = readPartition(adapter, namespace.pk)
        partitions.set(namespace.pk, docs)
      }
      return docs
    },
  }
}

/**
 * One way of reading a join under localization. A localized join (its relationship is
 * localized, or it sits in a localized group) is resolved once per locale and stored per locale;
 * any other join once, reading localized paths in the request's locale (every locale for `all`).
 */
export type LocaleVariant = {
  /** Store the result under this locale key (see `placeJoinValue`). */
  placeLocale?: string
  /** Locale handed to the query engine for the join's `where` and `sort`. */
  queryLocale?: string
  /** Locales whose values count at localized fields on the `on` path. */
  readLocales?: string[]
}

export function localeVariants(
  payload: Payload,
  join: SanitizedJoins[string][number],
  locale: string | undefined,
): LocaleVariant[] {
  const localization = payload.config.localization
  if (!localization) {
    return [{ queryLocale: locale }]
  }
  const every = locale === 'all' || locale === '*'
  const concrete = locale && !every ? locale : undefined
  const perLocale =
    join.parentIsLocalized ||
    fieldShouldBeLocalized({ field: join.field, parentIsLocalized: join.parentIsLocalized })
  if (perLocale) {
    const locales = concrete
      ? [concrete]
      : every
        ? localization.localeCodes
        : [localization.defaultLocale]
    return locales.map((code) => ({ placeLocale: code, queryLocale: code, readLocales: [code] }))
  }
  return [
    {
      queryLocale: locale,
      readLocales: concrete
        ? [concrete]
        : every
          ? localization.localeCodes
          : [localization.defaultLocale],
    },
  ]
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The documents a join lists for a set of parents, in the join's order: every joined collection
 * is read once for all parents; each document is kept when its `on` field points at one of them
 * and it satisfies the join's `where`. Returns the documents per parent key.
 */
export async function findJoinedDocuments(
  context: JoinContext,
  parentCollection: string,
  parentKeys: Set<string>,
  request: RequestedJoin,
  variant: LocaleVariant,
): Promise<Map<string, JoinedDocument[]>> {
  const { adapter } = context
  const reading: LocaleReading = { locales: variant.readLocales, payload: adapter.payload }
  const perCollection = await Promise.all(
    request.collections.map((slug) =>
      findInCollection(context, slug, parentCollection, parentKeys, request, variant, reading),
    ),
  )
  const ordered = perCollection.flat()
  if (request.polymorphic) {
    ordered.sort(crossCollectionComparator(polymorphicSort(context, request), reading))
  }
  const groups = new Map<string, JoinedDocument[]>()
  for (const entry of ordered) {
    for (const parent of entry.parents) {
      const group = groups.get(parent)
      if (group) {
        group.push(entry)
      } else {
        groups.set(parent, [entry])
      }
    }
  }
  return groups
}

/** Drizzle's default for joins across collections: newest first when there are timestamps. */
function polymorphicSort(context: JoinContext, request: RequestedJoin) {
  if (request.sort) {
    return request.sort
  }
  const timestamps = request.collections.some(
    (slug) => getCollectionConfig(context.adapter, slug).timestamps !== false,
  )
  return timestamps ? '-createdAt' : 'id'
}

async function findInCollection(
  context: JoinContext,
  slug: string,
  parentCollection: string,
  parentKeys: Set<string>,
  request: RequestedJoin,
  variant: LocaleVariant,
  reading: LocaleReading,
): Promise<JoinedDocument[]> {
  const { adapter } = context
  const config = getCollectionConfig(adapter, slug)
  let where = request.where
  if (request.polymorphic) {
    const own = whereForCollection(where, slug, config.flattenedFields)
    if (own === false) {
      return []
    }
    where = own
  }
  const drafts = context.drafts && hasDraftsEnabled(config)
  const namespace = drafts ? versionsNamespace(adapter, slug) : collectionNamespace(adapter, slug)
  const candidates = await context.partition(namespace)

  // Cheap test first: does the document point at one of the parents at all?
  const referencing: JoinedDocument[] = []
  for (const raw of candidates) {
    const view = drafts ? raw.version : raw
    if (!isPlainObject(view)) {
      continue
    }
    const parents = new Set<string>()
    for (const value of valuesAtPath(view, config.flattenedFields, request.join.field.on, reading)) {
      const id = referencedID(value, parentCollection)
      if (id !== undefined && parentKeys.has(idKey(id))) {
        parents.add(idKey(id))
      }
    }
    const id = (drafts ? raw.parent : raw.id) as DocID | undefined
    if (parents.size > 0 && id !== undefined && id !== null) {
      referencing.push({ id, fields: config.flattenedFields, parents, raw, relationTo: slug, view })
    }
  }
  if (referencing.length === 0) {
    return []
  }

  const scope = {
    fields: namespace.fields,
    locale: variant.queryLocale,
    lookup: context.lookup,
    payload: adapter.payload,
  }
  const fullWhere = drafts
    ? combineQueries(appendVersionToQueryKey(where ?? {}), { latest: { equals: true } })
    : where
  const compiled = await compileWhere(scope, fullWhere)
  const matched = referencing.filter((entry) => compiled.matches(entry.raw))
  if (request.polymorphic || matched.length < 2) {
    return matched
  }
  const sort = request.sort || config.defaultSort || undefined
  const comparator = await buildComparator(
    scope,
    drafts ? getQueryDraftsSort({ collectionConfig: config, sort }) : sort,
    { timestamps: namespace.timestamps },
    matched.map((entry) => entry.raw),
  )
  return matched.sort((a, b) => comparator(a.raw, b.raw))
}
