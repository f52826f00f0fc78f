import type { Sort } from 'payload'

import type { Doc, DocID, QueryScope } from './types.js'

import { enumerateBindings } from './bindings.js'
import { resolvePath, type ResolvedPath } from './paths.js'
import { getCollectionFields, normalizeLocale } from './scopeInfo.js'
import { isNullish, sqlCompare, toInstant } from './sqlValues.js'

/**
 * Sorting like db-sqlite (drizzle `buildOrderBy`):
 * - no sort → `-createdAt` when the collection has timestamps, else `-id`;
 * - the same fallback (`-createdAt` / `-id`) is appended unless already present; `id` breaks
 *   remaining ties (in the fallback's direction) so the order is deterministic;
 * - a string sort is ONE path (`'a,b'` is not split; unknown paths are ignored);
 * - NULLs first ascending, last descending; text by BINARY collation; dates as instants;
 * - multi-valued paths (array rows, hasMany fields, `locale: 'all'`) sort by their smallest
 *   value ascending and largest descending; polymorphic relationships and points are ignored;
 *   a sub-path of a hasMany relationship (`movies.name`) sorts by the related documents' values.
 */

type SortKey = (doc: Doc) => unknown
type Item = { desc: boolean; key: SortKey }

const pickExtreme = (values: unknown[], desc: boolean): unknown => {
  let best: unknown = null
  for (const v of values) {
    if (isNullish(v)) {
      continue
    }
    if (isNullish(best) || (desc ? sqlCompare(v, best) > 0 : sqlCompare(v, best) < 0)) {
      best = v
    }
  }
  return best
}

/**
 * hasMany fields sort by their smallest value ascending, largest descending (db-sqlite orders by
 * one of their rows, which gives the same order to documents holding one value, and puts those
 * holding none first ascending, last descending).
 */
const sortable = (path: ResolvedPath): boolean =>
  path.kind !== 'poly' && path.kind !== 'point' && path.kind !== 'container'

const normalize = (path: ResolvedPath, v: unknown): unknown =>
  path.kind === 'date' && !isNullish(v) ? (toInstant(v) ?? v) : v

const allValues = (path: ResolvedPath, doc: Doc): unknown[] => {
  const out: unknown[] = []
  for (const b of enumerateBindings(doc, path.joins)) {
    out.push(...path.get(doc, b))
  }
  return out
}

/** A sort key function for `path` over `docs` (loads related docs for relationship sub-paths). */
const buildKey = async (
  scope: QueryScope,
  path: string,
  desc: boolean,
  docs: Doc[],
): Promise<SortKey | undefined> => {
  let resolved: ResolvedPath
  try {
    resolved = resolvePath(
      {
        fields: scope.fields,
        locale: normalizeLocale(scope.payload, scope.locale),
        payload: scope.payload,
      },
      path,
    )
  } catch {
    return undefined
  }
  // a sub-path through a hasMany relationship is sorted (db-sqlite joins the related table)
  if (!sortable(resolved) && !(resolved.relation && resolved.kind === 'relationship')) {
    return undefined
  }
  if (!resolved.relation) {
    return (doc) =>
      pickExtreme(
        allValues(resolved, doc).map((v) => normalize(resolved, v)),
        desc,
      )
  }
  const { collection, rest } = resolved.relation
  const ids = new Map<string, DocID>()
  for (const doc of docs) {
    for (const id of allValues(resolved, doc)) {
      if (typeof id === 'string' || typeof id === 'number') {
        ids.set(String(id), id)
      }
    }
  }
  const related = ids.size ? await scope.lookup.getDocs(collection, [...ids.values()]) : []
  const relatedScope: QueryScope = {
    ...scope,
    fields: getCollectionFields(scope.payload, collection),
  }
  const relatedKey = await buildKey(relatedScope, rest, desc, related)
  if (!relatedKey) {
    return undefined
  }
  const byID = new Map<string, unknown>()
  for (const doc of related) {
    byID.set(String(doc.id), relatedKey(doc))
  }
  return (doc) =>
    pickExtreme(
      allValues(resolved, doc).map((id) => byID.get(String(id))),
      desc,
    )
}

export const buildComparator = async (
  scope: QueryScope,
  sort: Sort | undefined,
  options: { timestamps: boolean },
  docs: Doc[],
): Promise<(a: Doc, b: Doc) => number> => {
  const fallback = options.timestamps ? '-createdAt' : '-id'
  let list: string[] = typeof sort === 'string' ? [sort] : Array.isArray(sort) ? [...sort] : []
  list = list.filter((s) => typeof s === 'string' && s.length > 0)
  if (!list.length) {
    list = [fallback]
  }
  if (!list.includes(fallback) && !list.includes(fallback.slice(1))) {
    list.push(fallback)
  }
  if (!list.includes('id') && !list.includes('-id')) {
    list.push('-id')
  }

  const items: Item[] = []
  for (const entry of list) {
    const desc = entry.startsWith('-')
    const key = await buildKey(scope, desc ? entry.slice(1) : entry, desc, docs)
    if (!key) {
      continue
    }
    const cache = new WeakMap<Doc, { v: unknown }>()
    items.push({
      desc,
      key: (doc) => {
        let hit = cache.get(doc)
        if (!hit) {
          cache.set(doc, (hit = { v: key(doc) }))
        }
        return hit.v
      },
    })
  }
  return (a, b) => {
    for (const item of items) {
      const c = sqlCompare(item.key(a), item.key(b))
      if (c !== 0) {
        return item.desc ? -c : c
      }
    }
    return 0
  }
}
