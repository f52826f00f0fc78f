import type { Where } from 'payload'

import type { CompiledWhere } from '../../query/compileWhere.js'
import type { Doc, DocID } from '../../query/types.js'
import type { DynamoDBAdapter } from '../../types.js'

import { enumerateBindings } from '../../query/bindings.js'
import { resolvePath } from '../../query/paths.js'
import { collectionNamespace } from '../../namespaces.js'
import { valuesAtPath } from '../../utilities/valuesAtPath.js'
import { matchDocuments } from '../matchDocuments.js'

export type DistinctContext = {
  adapter: DynamoDBAdapter
  /** The request locale as the query engine takes it (a code, `'all'`, or undefined). */
  locale: string | undefined
  /** Access constraints per relationship path (relative to the queried collection). */
  relatedAccess: Record<string, Where>
}

/**
 * The values of `path` in each of `docs` (documents of `collection`), one entry per row, like the
 * rows of db-sqlite's `SELECT DISTINCT` over its joins: every array row / hasMany value gives one
 * value, and an empty one gives `null` (LEFT JOIN). Relationship steps (`category.title`,
 * `post.category.title`) load the related documents and continue the path in them; `rel.id`
 * is the stored id itself. Polymorphic values come out as `{ relationTo, value }`.
 */
export async function collectValues(
  ctx: DistinctContext,
  collection: string,
  docs: Doc[],
  path: string,
  accessPrefix = '',
  /** The query's where: only the rows it holds on give values (see `valuesWhere`). */
  where?: CompiledWhere,
): Promise<Map<Doc, unknown[]>> {
  const { fields } = collectionNamespace(ctx.adapter, collection)
  const out = new Map<Doc, unknown[]>()
  let resolved: ReturnType<typeof resolvePath>
  try {
    resolved = resolvePath({ fields, locale: ctx.locale, payload: ctx.adapter.payload }, path)
  } catch {
    // Not a path the query engine knows (Payload validated it): read the stored shape as is.
    for (const doc of docs) {
      out.set(
        doc,
        valuesAtPath(doc, path).map((value) => value ?? null),
      )
    }
    return out
  }

  for (const doc of docs) {
    const inRows = where?.valuesWhere?.(doc, resolved)
    if (inRows) {
      out.set(
        doc,
        inRows.map((value) =>
          value !== null && resolved.kind === 'poly' ? polymorphic(value) : value,
        ),
      )
      continue
    }
    const values: unknown[] = []
    for (const binding of enumerateBindings(doc, resolved.joins)) {
      const found = resolved.get(doc, binding)
      if (found.length) {
        for (const value of found) {
          values.push(resolved.kind === 'poly' ? polymorphic(value) : value)
        }
      } else if (!resolved.innerJoin) {
        values.push(null)
      }
    }
    out.set(doc, values)
  }

  const relation = resolved.relation
  if (!relation || relation.rest === 'id') {
    return out
  }

  // Continue the path in the related documents.
  const segments = path.split('.')
  const restLength = relation.rest.split('.').length
  const relationPath = [accessPrefix, segments.slice(0, segments.length - restLength).join('.')]
    .filter(Boolean)
    .join('.')
  const ids = new Map<string, DocID>()
  for (const values of out.values()) {
    for (const id of values) {
      if (typeof id === 'string' || typeof id === 'number') {
        ids.set(String(id), id)
      }
    }
  }
  const related = await loadRelated(ctx, relation.collection, [...ids.values()], relationPath)
  const nested = await collectValues(
    ctx,
    relation.collection,
    [...related.values()],
    relation.rest,
    relationPath,
  )

  for (const [doc, values] of out) {
    const next: unknown[] = []
    for (const id of values) {
      if (id === null || id === undefined) {
        next.push(null)
        continue
      }
      const relatedDoc = related.get(String(id))
      if (relatedDoc) {
        next.push(...(nested.get(relatedDoc) ?? [null]))
      } else if (!ctx.relatedAccess[relationPath]) {
        // A dangling reference joins to NULL; one hidden by access control is left out.
        next.push(null)
      }
    }
    out.set(doc, next)
  }
  return out
}

/** The documents of `collection` with these ids that the related-collection access allows, by id. */
export async function loadRelated(
  ctx: DistinctContext,
  collection: string,
  ids: DocID[],
  relationPath: string,
): Promise<Map<string, Doc>> {
  const byID = new Map<string, Doc>()
  if (!ids.length) {
    return byID
  }
  const access = ctx.relatedAccess[relationPath]
  const idWhere: Where = { id: { in: ids } }
  const docs = await matchDocuments(ctx.adapter, collectionNamespace(ctx.adapter, collection), {
    locale: ctx.locale,
    where: access ? { and: [idWhere, access] } : idWhere,
  })
  for (const doc of docs) {
    byID.set(String(doc.id), doc)
  }
  return byID
}

/** A stored polymorphic value, reduced to Payload's `{ relationTo, value }` (value as an id). */
function polymorphic(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return value
  }
  const { relationTo, value: target } = value as { relationTo?: unknown; value?: unknown }
  const id =
    target && typeof target === 'object' && 'id' in target ? (target as { id: unknown }).id : target
  return { relationTo, value: id }
}
