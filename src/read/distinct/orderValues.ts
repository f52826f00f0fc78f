import type { Doc } from '../../query/types.js'
import type { DistinctContext } from './collectValues.js'

import { buildComparator } from '../../query/compileSort.js'
import { sqlCompare } from '../../query/sqlValues.js'
import { collectionNamespace } from '../../namespaces.js'
import { createLookup } from '../lookup.js'
import { loadRelated } from './collectValues.js'

/** One distinct value and where it was first and last met in the (sorted) documents. */
export type DistinctEntry = { first: number; last: number; value: unknown }

/**
 * Groups equal values (ids compare by their text; polymorphic values by collection and id) as
 * rows come in, holding one entry per distinct value.
 */
export class DistinctValues {
  private readonly entries = new Map<string, DistinctEntry>()
  private rows = 0

  add(rows: unknown[]): void {
    for (const value of rows) {
      const index = this.rows++
      const signature = signatureOf(value)
      const entry = this.entries.get(signature)
      if (entry) {
        entry.last = index
      } else {
        this.entries.set(signature, { first: index, last: index, value })
      }
    }
  }

  list(): DistinctEntry[] {
    return [...this.entries.values()]
  }
}

function signatureOf(value: unknown): string {
  if (value && typeof value === 'object' && !Array.isArray(value) && 'relationTo' in value) {
    const { relationTo, value: id } = value as { relationTo: unknown; value: unknown }
    return JSON.stringify(['poly', relationTo, id])
  }
  return JSON.stringify(value ?? null)
}

/** Compares two values like SQLite orders the selected column (polymorphic: collection, then id). */
function compareValues(a: unknown, b: unknown): number {
  const polyA = asPoly(a)
  const polyB = asPoly(b)
  if (polyA && polyB) {
    return sqlCompare(polyA.relationTo, polyB.relationTo) || sqlCompare(polyA.value, polyB.value)
  }
  return sqlCompare(polyA ? null : a, polyB ? null : b) || (polyA ? 1 : 0) - (polyB ? 1 : 0)
}

function asPoly(value: unknown): { relationTo: unknown; value: unknown } | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) && 'relationTo' in value
    ? (value as { relationTo: unknown; value: unknown })
    : undefined
}

/** Orders by the value itself; equal keys keep the order they were met in. */
export function orderByValue(entries: DistinctEntry[], desc: boolean): DistinctEntry[] {
  return [...entries].sort((a, b) => {
    const c = compareValues(a.value, b.value)
    return (desc ? -c : c) || a.first - b.first
  })
}

/**
 * Orders by a property of the document each value points to (`categories` sorted by
 * `categories.title`): the related documents are sorted with the query engine's comparator, and
 * values without a related document come first ascending (NULLs), last descending.
 */
export async function orderByRelated(
  ctx: DistinctContext,
  entries: DistinctEntry[],
  collection: string,
  relationPath: string,
  sortPath: string,
  desc: boolean,
): Promise<DistinctEntry[]> {
  const ids = entries
    .map((entry) => entry.value)
    .filter((id): id is number | string => typeof id === 'string' || typeof id === 'number')
  const related = await loadRelated(ctx, collection, ids, relationPath)
  const namespace = collectionNamespace(ctx.adapter, collection)
  const docs = [...related.values()]
  const compare = await buildComparator(
    {
      fields: namespace.fields,
      locale: ctx.locale,
      lookup: createLookup(ctx.adapter),
      payload: ctx.adapter.payload,
    },
    desc ? `-${sortPath}` : sortPath,
    { timestamps: namespace.timestamps },
    docs,
  )
  const docOf = (entry: DistinctEntry): Doc | undefined =>
    entry.value === null || entry.value === undefined ? undefined : related.get(String(entry.value))
  return [...entries].sort((a, b) => {
    const docA = docOf(a)
    const docB = docOf(b)
    if (docA && docB) {
      return compare(docA, docB) || a.first - b.first
    }
    if (!docA && !docB) {
      return a.first - b.first
    }
    // NULL sorts first ascending, last descending.
    return (docA ? 1 : -1) * (desc ? -1 : 1)
  })
}

/**
 * Orders by a property of the documents holding each value, with the documents already sorted by
 * it: like db-sqlite's `max(column)` ordering, a value ranks by the largest sort value among its
 * documents (its last document ascending, its first descending).
 */
export function orderByDocuments(entries: DistinctEntry[], desc: boolean): DistinctEntry[] {
  return [...entries].sort((a, b) => (desc ? a.first - b.first : a.last - b.last))
}
