import type { Where } from 'payload'

import type { DocID } from '../query/types.js'

/**
 * Finds an `id equals` / `id in` condition that every match must satisfy (top level, or inside a
 * top-level `and`), so the documents can be fetched by key instead of reading the namespace.
 * Returns undefined when there is none.
 */
export function requiredIDs(where: undefined | Where): DocID[] | undefined {
  if (!where) {
    return undefined
  }
  for (const [key, condition] of Object.entries(where)) {
    if (key === 'and' && Array.isArray(condition)) {
      for (const sub of condition as Where[]) {
        const ids = requiredIDs(sub)
        if (ids) {
          return ids
        }
      }
      continue
    }
    if (key !== 'id' || !condition || typeof condition !== 'object') {
      continue
    }
    const operators = condition as Record<string, unknown>
    if ('equals' in operators && isID(operators.equals)) {
      return [operators.equals]
    }
    if ('in' in operators) {
      const list = toList(operators.in)
      if (list && list.every(isID)) {
        return list
      }
    }
  }
  return undefined
}

function isID(value: unknown): value is DocID {
  return (
    (typeof value === 'string' && value.length > 0) ||
    (typeof value === 'number' && Number.isFinite(value))
  )
}

function toList(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) {
    return value
  }
  if (typeof value === 'string') {
    return value.split(',').filter(Boolean)
  }
  return undefined
}
