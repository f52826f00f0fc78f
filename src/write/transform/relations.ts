import type { FlattenedField } from 'payload'

import type { DynamoDBAdapter } from '../../types.js'
import type { Context } from './context.js'

import { coerceID, collectionNamespace } from '../../namespaces.js'
import { isPlainObject } from '../../utilities/plainObject.js'

/** A relationship id as stored: reduced from a populated document, in the target's id type. */
export function targetID(ctx: Context, collection: string, id: unknown): unknown {
  return idOfCollection(ctx.adapter, collection, id)
}

/**
 * An id naming a document of `collection`, as that collection stores its ids (a number for
 * number ids, whether given as 5 or '5'); a populated document names its own id.
 */
export function idOfCollection(adapter: DynamoDBAdapter, collection: string, id: unknown): unknown {
  if (isPlainObject(id) && 'id' in id) {
    return idOfCollection(adapter, collection, id.id)
  }
  if (typeof id !== 'string' && typeof id !== 'number') {
    return id
  }
  if (!adapter.payload.collections[collection]) {
    return id
  }
  const namespace = collectionNamespace(adapter, collection)
  if (
    namespace.idType === 'number' &&
    typeof id === 'string' &&
    (id.trim() === '' || Number.isNaN(Number(id)))
  ) {
    // Not an id of a number-id collection: stored as given, and rejected by the reference check.
    return id
  }
  return coerceID(id, namespace)
}

/** One relationship value as stored; the ids it introduces are recorded as references. */
export function relationItem(
  ctx: Context,
  field: FlattenedField,
  item: unknown,
  path: string,
): unknown {
  if (field.type !== 'relationship' && field.type !== 'upload') {
    return item
  }
  if (Array.isArray(field.relationTo)) {
    if (!isPlainObject(item) || typeof item.relationTo !== 'string') {
      return item
    }
    const value = targetID(ctx, item.relationTo, item.value)
    if (typeof value === 'string' || typeof value === 'number') {
      ctx.references.push({ collection: item.relationTo, id: value, path })
    }
    return { relationTo: item.relationTo, value }
  }
  const value = targetID(ctx, field.relationTo, item)
  if (typeof value === 'string' || typeof value === 'number') {
    ctx.references.push({ collection: field.relationTo, id: value, path })
  }
  return value
}
