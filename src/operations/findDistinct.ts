import type { FindDistinct, FlattenedField, SelectType, Sort } from 'payload'

import type { DistinctContext } from '../read/distinct/collectValues.js'
import type { DistinctEntry } from '../read/distinct/orderValues.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { collectValues } from '../read/distinct/collectValues.js'
import { distinctFromCounters } from '../read/distinct/countedDistinct.js'
import {
  DistinctValues,
  orderByDocuments,
  orderByRelated,
  orderByValue,
} from '../read/distinct/orderValues.js'
import { findPage } from '../read/findPage.js'
import { foldMatches } from '../read/foldMatches.js'
import { collectionNamespace } from '../namespaces.js'
import { compileWhere } from '../query/compileWhere.js'
import { resolvePath } from '../query/paths.js'
import { createLookup } from '../read/lookup.js'
import { meansAnyLocale, normalizeLocale } from '../query/scopeInfo.js'

/**
 * The distinct values of one field over the matching documents, like db-sqlite's
 * `SELECT DISTINCT`: one value per array row / hasMany value (`null` for none), paths may go
 * through relationships (`category.title`, `post.category.title`, `category.id`), polymorphic
 * values are `{ relationTo, value }`. Ordered by `sort` (default: the field itself); a sort on
 * the related document of a relationship value (`categories.title` for `categories`) orders each
 * value by its document, any other sort by the largest sort value among the documents holding it.
 */
export const findDistinct: FindDistinct = async function findDistinct(this: DynamoDBAdapter, args) {
  const namespace = collectionNamespace(this, args.collection)
  const ctx: DistinctContext = {
    adapter: this,
    locale: normalizeLocale(this.payload, args.locale),
    relatedAccess: args.relatedAccess ?? {},
  }
  const { desc, path: sortPath } = firstSort(args.sort, args.field)
  const relatedTo =
    sortPath === args.field ? undefined : relatedSort(ctx, namespace.fields, args.field, sortPath)
  // `author.id` is the relationship's own value (query/paths.ts): sorted as the value itself.
  const ownValue = sortPath === args.field || relatedTo?.rest === 'id'
  const related = ownValue ? undefined : relatedTo
  const byDocuments = !ownValue && !related

  const distinct = new DistinctValues()
  // The where's rows: a condition on the field's own rows keeps only the values of those rows.
  const where =
    args.where && Object.keys(args.where).length > 0
      ? await compileWhere(
          {
            fields: namespace.fields,
            locale: args.locale,
            lookup: createLookup(this),
            payload: this.payload,
          },
          args.where,
        )
      : undefined
  const fold = async (docs: Doc[]) => {
    const valuesByDoc = await collectValues(ctx, args.collection, docs, args.field, '', where)
    distinct.add(docs.flatMap((doc) => valuesByDoc.get(doc) ?? []))
  }
  const select = valueSelect(namespace.fields, args.field, ctx.locale)
  if (byDocuments) {
    // The values rank by the documents' order: every match, sorted.
    const { docs } = await findPage(this, namespace, {
      limit: 0,
      locale: args.locale,
      pagination: false,
      // Whole documents when a where picks their rows (`valuesWhere` reads its fields again).
      select: where ? undefined : select,
      sort: args.sort,
      where: args.where,
    })
    await fold(docs)
  } else {
    const counted = await distinctFromCounters(this, namespace, args)
    if (counted) {
      // The whole collection's values, from the index's value counters.
      distinct.add(counted)
    } else {
      // Only the values are kept: a partition read hands its matches over page by page.
      await foldMatches(this, namespace, { locale: args.locale, select, where: args.where }, fold)
    }
  }
  const entries = distinct.list()

  let ordered: DistinctEntry[]
  if (related) {
    ordered = await orderByRelated(ctx, entries, related.collection, args.field, related.rest, desc)
  } else if (byDocuments) {
    ordered = orderByDocuments(entries, desc)
  } else {
    ordered = orderByValue(entries, desc)
  }

  const values = ordered.map((entry) => ({ [args.field]: entry.value ?? null }))
  return pageOfValues(values, args.limit, args.page)
}

/**
 * The part of each matching document the values come from: the path's top-level field (a path
 * through a relationship needs only the stored reference). Every match is held at once, and a
 * whole document can be many times the value taken from it, so the reads project (the sort and
 * `where` fields are read as well, runQuery's projection). Whole documents under `locale: 'all'`,
 * and when the path does not start at a stored field.
 */
function valueSelect(
  fields: FlattenedField[],
  path: string,
  locale: string | undefined,
): SelectType | undefined {
  const top = path.split('.')[0]
  if (top === 'id') {
    return { id: true }
  }
  const field = fields.find((candidate) => candidate.name === top)
  if (
    meansAnyLocale(locale) ||
    !field ||
    field.type === 'join' ||
    ('virtual' in field && field.virtual)
  ) {
    return undefined
  }
  return { [top]: true }
}

/**
 * Pages the ordered values as db-sqlite and db-mongodb do: with a `limit`, an empty answer has
 * `totalPages: 0` and a page past the end keeps its `prevPage` (unlike a `find`'s paging).
 */
function pageOfValues<T>(values: T[], limit: number | undefined, askedPage: number | undefined) {
  // A negative limit is none (SQLite's `LIMIT -1`), a page below 1 the first.
  if (!limit || limit < 0) {
    return {
      hasNextPage: false,
      hasPrevPage: false,
      limit: 0,
      page: 1,
      pagingCounter: 1,
      totalDocs: values.length,
      totalPages: 1,
      values,
    }
  }
  const page = askedPage && askedPage > 0 ? Math.floor(askedPage) : 1
  const totalPages = Math.ceil(values.length / limit)
  const hasPrevPage = page > 1
  const hasNextPage = totalPages > page
  return {
    hasNextPage,
    hasPrevPage,
    limit,
    nextPage: hasNextPage ? page + 1 : null,
    page,
    pagingCounter: (page - 1) * limit + 1,
    prevPage: hasPrevPage ? page - 1 : null,
    totalDocs: values.length,
    totalPages,
    values: values.slice((page - 1) * limit, page * limit),
  }
}

/** The first sort path and its direction (`sort` may be a string, a list, or absent). */
function firstSort(sort: Sort | undefined, field: string): { desc: boolean; path: string } {
  const first = (Array.isArray(sort) ? sort[0] : sort) as string | undefined
  const entry = typeof first === 'string' && first.length > 0 ? first : field
  return entry.startsWith('-') ? { desc: true, path: entry.slice(1) } : { desc: false, path: entry }
}

/**
 * When `field` is a (single-collection) relationship and the sort goes into its documents
 * (`categories` sorted by `categories.title`), the related collection and the rest of the sort.
 */
function relatedSort(
  ctx: DistinctContext,
  fields: Parameters<typeof resolvePath>[0]['fields'],
  field: string,
  sortPath: string,
): undefined | { collection: string; rest: string } {
  if (!sortPath.startsWith(`${field}.`)) {
    return undefined
  }
  try {
    const resolved = resolvePath(
      { fields, locale: ctx.locale, payload: ctx.adapter.payload },
      field,
    )
    if (
      resolved.kind === 'relationship' &&
      !resolved.relation &&
      resolved.relationTo?.length === 1
    ) {
      return {
        collection: resolved.relationTo[0] as string,
        rest: sortPath.slice(field.length + 1),
      }
    }
  } catch {
    // Not resolvable: sort by the documents.
  }
  return undefined
}
