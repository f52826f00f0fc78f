import type { Payload, SanitizedJoins, Sort, Where } from 'payload'

import { meansAnyLocale, normalizeLocale } from '../../query/scopeInfo.js'
import { appendVersionToQueryKey, getQueryDraftsSort } from 'payload'
import { fieldShouldBeLocalized, hasDraftsEnabled } from 'payload/shared'

import type { Namespace } from '../../namespaces.js'
import type { Doc, DocID, QueryScope, RelationLookup } from '../../query/types.js'
import type { DynamoDBAdapter } from '../../types.js'
import type { SortableEntry } from './crossCollectionSort.js'
import type { LocaleReading } from './fieldPaths.js'
import type { RequestedJoin } from './requestedJoins.js'

import { collectionNamespace, getCollectionConfig, versionsNamespace } from '../../namespaces.js'
import { buildComparator } from '../../query/compileSort.js'
import { compileWhere } from '../../query/compileWhere.js'
import { type ResolvedPath, resolvePath } from '../../query/paths.js'
import { createLookup } from '../lookup.js'
import { runQuery } from '../runQuery.js'
import { crossCollectionComparator } from './crossCollectionSort.js'
import {
  fieldAtPath,
  idKey,
  isPlainObject,
  referencedID,
  valuesAtPath,
  wherePathOf,
} from './fieldPaths.js'
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

/** What the joins of one `resolveJoins` call share. */
export type JoinContext = {
  adapter: DynamoDBAdapter
  /**
   * The documents of a joined namespace that may belong to the parents: those whose `on` field
   * holds one of the parents' ids when `on` is given, else all of them (latest versions only for
   * drafts). Read once per namespace, `on` path and locale, whatever the number of joins using it.
   */
  candidates: (
    namespace: Namespace,
    on: string | undefined,
    locale: string | undefined,
  ) => Promise<Doc[]>
  /** Joined collections with drafts list their latest versions (queryDrafts, or `draftsEnabled`). */
  drafts: boolean
  lookup: RelationLookup
  /** Keys (`idKey`) of the parents. */
  parentKeys: Set<string>
}

export function createJoinContext(
  adapter: DynamoDBAdapter,
  parentIDs: DocID[],
  drafts: boolean,
): JoinContext {
  const reads = new Map<string, Promise<Doc[]>>()
  return {
    adapter,
    candidates: (namespace, on, locale) => {
      const key = JSON.stringify([namespace.pk, on ?? null, locale ?? null])
      let read = reads.get(key)
      if (!read) {
        const versions = namespace.kind === 'versions'
        const where = and(
          on ? { [versions ? `version.${on}` : on]: { in: parentIDs } } : undefined,
          versions ? { latest: { equals: true } } : undefined,
        )
        read = runQuery(
          adapter,
          namespace,
          { locale, where },
          { needsTotal: false, want: Number.POSITIVE_INFINITY },
        ).then(({ ordered }) => ordered)
        reads.set(key, read)
      }
      return read
    },
    drafts,
    lookup: createLookup(adapter),
    parentKeys: new Set(parentIDs.map(idKey)),
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
  const every = meansAnyLocale(locale)
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

/**
 * The documents a join lists for a set of parents, in the join's order, per parent key. The
 * candidates of each joined collection come from `context.candidates` (shared between joins);
 * the join's `where` and `sort` are then applied by the query engine's evaluator and comparator,
 * and each document is listed under the parent(s) its `on` field points at.
 */
export async function findJoinedDocuments(
  context: JoinContext,
  parentCollection: string,
  request: RequestedJoin,
  variant: LocaleVariant,
): Promise<Map<string, JoinedDocument[]>> {
  const reading: LocaleReading = { locales: variant.readLocales, payload: context.adapter.payload }
  const perCollection = await Promise.all(
    request.collections.map((slug) =>
      findInCollection(context, slug, parentCollection, request, variant, reading),
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
function polymorphicSort(context: JoinContext, request: RequestedJoin): Sort {
  if (request.sort) {
    return request.sort
  }
  const timestamps = request.collections.some(
    (slug) => getCollectionConfig(context.adapter, slug).timestamps !== false,
  )
  return timestamps ? '-createdAt' : 'id'
}

/** The `on` field as the query engine resolves it, if it does (a path it cannot: none). */
function onPathOf(scope: QueryScope, path: string): ResolvedPath | undefined {
  try {
    const locale = normalizeLocale(scope.payload, scope.locale)
    return resolvePath({ fields: scope.fields, locale, payload: scope.payload }, path)
  } catch {
    return undefined
  }
}

function and(...parts: (undefined | Where)[]): undefined | Where {
  const present = parts.filter((part): part is Where => !!part && Object.keys(part).length > 0)
  if (present.length === 0) {
    return undefined
  }
  return present.length === 1 ? present[0] : { and: present }
}

async function findInCollection(
  context: JoinContext,
  slug: string,
  parentCollection: string,
  request: RequestedJoin,
  variant: LocaleVariant,
  reading: LocaleReading,
): Promise<JoinedDocument[]> {
  const { adapter } = context
  const config = getCollectionConfig(adapter, slug)
  const { on } = request.join.field
  let where = request.where
  if (request.polymorphic) {
    const own = whereForCollection(where, slug, config.flattenedFields)
    if (own === false) {
      return []
    }
    where = own
  }
  // Drafts for a join of one collection only: db-sqlite and db-mongodb read a polymorphic
  // join's documents from the collections themselves.
  const drafts = context.drafts && !request.polymorphic && hasDraftsEnabled(config)
  const namespace = drafts ? versionsNamespace(adapter, slug) : collectionNamespace(adapter, slug)
  // A relationship to one collection can be asked for the parents' ids (it is indexed); a
  // polymorphic one (`{ relationTo, value }`) or one inside blocks is only checked below.
  const target = fieldAtPath(config.flattenedFields, on)
  const byID =
    target !== undefined &&
    (target.type === 'relationship' || target.type === 'upload') &&
    typeof target.relationTo === 'string'
  const candidates = await context.candidates(namespace, byID ? on : undefined, variant.queryLocale)

  // Which parents each candidate points at.
  const referencing: JoinedDocument[] = []
  for (const raw of candidates) {
    const view = drafts ? raw.version : raw
    const id = (drafts ? raw.parent : raw.id) as DocID | null | undefined
    if (!isPlainObject(view) || id === undefined || id === null) {
      continue
    }
    const parents = new Set<string>()
    for (const value of valuesAtPath(view, config.flattenedFields, on, reading)) {
      const parentID = referencedID(value, parentCollection)
      if (parentID !== undefined && context.parentKeys.has(idKey(parentID))) {
        parents.add(idKey(parentID))
      }
    }
    if (parents.size > 0) {
      referencing.push({ id, fields: config.flattenedFields, parents, raw, relationTo: slug, view })
    }
  }
  if (referencing.length === 0) {
    return []
  }

  // The join's own `where` and order, by the same evaluator and comparator as every find.
  const scope = {
    fields: namespace.fields,
    locale: variant.queryLocale,
    lookup: context.lookup,
    payload: adapter.payload,
  }
  const forQuery = (query: undefined | Where) =>
    drafts && query ? appendVersionToQueryKey(query) : query
  const compiled = await compileWhere(scope, forQuery(where))
  // A `where` holds on the row that points at the parent (db-sqlite joins them as one row): the
  // parents a document is listed under are the `on` values of the rows the `where` holds on.
  const onRows = onPathOf(
    scope,
    drafts
      ? `version.${wherePathOf(config.flattenedFields, on)}`
      : wherePathOf(config.flattenedFields, on),
  )
  const matched: JoinedDocument[] = []
  for (const entry of referencing) {
    if (!where || Object.keys(where).length === 0) {
      matched.push(entry)
      continue
    }
    if (!onRows || !compiled.valuesWhere) {
      if (compiled.matches(entry.raw)) {
        matched.push(entry)
      }
      continue
    }
    const parents = new Set<string>()
    for (const value of compiled.valuesWhere(entry.raw, onRows)) {
      const parentID = referencedID(value, parentCollection)
      if (parentID !== undefined && entry.parents.has(idKey(parentID))) {
        parents.add(idKey(parentID))
      }
    }
    if (parents.size > 0) {
      matched.push({ ...entry, parents })
    }
  }
  if (request.polymorphic || matched.length < 2) {
    return matched
  }
  // As db-sqlite: the join field's `defaultSort` (in `request.sort`), else newest first; the
  // collection's `defaultSort` only for drafts (getQueryDraftsSort).
  const sort = request.sort || undefined
  const comparator = await buildComparator(
    scope,
    drafts ? getQueryDraftsSort({ collectionConfig: config, sort }) : sort,
    { timestamps: namespace.timestamps },
    matched.map((entry) => entry.raw),
  )
  return matched.sort((a, b) => comparator(a.raw, b.raw))
}
