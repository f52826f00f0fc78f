import type { FlattenedField } from 'payload'

import type { StoredTarget } from './types.js'

/** Leaf types stored as plain text or numbers, queried without coercion beyond sanitation. */
const TEXT_TYPES = new Set(['code', 'email', 'radio', 'select', 'text', 'textarea'])

/**
 * Where a `where` key is stored when it is a plain scalar field reached only through named groups:
 * no arrays, blocks, tabs, relationships, localized or hasMany fields, virtual fields or `id`
 * (their values are read in ways a key path cannot follow). Undefined for anything else.
 */
export function storedTarget(fields: FlattenedField[], key: string): StoredTarget | undefined {
  const segments = key.split('.')
  const path: string[] = []
  let level: FlattenedField[] = fields
  for (let position = 0; position < segments.length; position++) {
    const field = level.find((candidate) => candidate.name === segments[position])
    if (
      !field ||
      ('virtual' in field && field.virtual) ||
      ('localized' in field && field.localized)
    ) {
      return undefined
    }
    path.push(field.name)
    const last = position === segments.length - 1
    if (!last) {
      if (field.type !== 'group') {
        return undefined
      }
      level = field.flattenedFields
      continue
    }
    if ('hasMany' in field && field.hasMany) {
      return undefined
    }
    if (field.type === 'number') {
      return { path, type: 'N' }
    }
    return TEXT_TYPES.has(field.type) ? { path, type: 'S' } : undefined
  }
  return undefined
}
