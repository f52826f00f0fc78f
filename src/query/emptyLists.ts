import type { FlattenedField } from 'payload'

import type { Doc } from './types.js'

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

function hasManyField(field: FlattenedField): boolean {
  return 'hasMany' in field && Boolean(field.hasMany)
}

function rowFields(
  field: FlattenedField,
  row: Record<string, unknown>,
): FlattenedField[] | undefined {
  if (field.type === 'array') {
    return field.flattenedFields
  }
  if (field.type === 'blocks') {
    return field.blocks.find((block) => block.slug === row.blockType)?.flattenedFields
  }
  return undefined
}

/**
 * The document as both official adapters return it: an array, blocks or hasMany field that was
 * never written reads as `[]` (SQL has no rows for it; Mongoose defaults array paths to `[]`),
 * also inside groups, tabs and array/block rows. Localized values are left as stored, and virtual
 * fields (never stored) stay absent.
 */
export function withEmptyLists(doc: Doc, fields: FlattenedField[]): Doc {
  let out: Doc | undefined
  const set = (key: string, value: unknown) => {
    out ??= { ...doc }
    out[key] = value
  }
  for (const field of fields) {
    const virtual = 'virtual' in field && Boolean(field.virtual)
    if (!('name' in field) || !field.name || virtual || ('localized' in field && field.localized)) {
      continue
    }
    const value = doc[field.name]
    const isList = field.type === 'array' || field.type === 'blocks' || hasManyField(field)
    if (value === undefined && isList && field.type !== 'join') {
      set(field.name, [])
    } else if ((field.type === 'group' || field.type === 'tab') && isObject(value)) {
      const shaped = withEmptyLists(value, field.flattenedFields)
      if (shaped !== value) {
        set(field.name, shaped)
      }
    } else if ((field.type === 'array' || field.type === 'blocks') && Array.isArray(value)) {
      let changed = false
      const rows = value.map((row: unknown) => {
        const nested = isObject(row) ? rowFields(field, row) : undefined
        const shaped = nested && isObject(row) ? withEmptyLists(row, nested) : row
        changed ||= shaped !== row
        return shaped
      })
      if (changed) {
        set(field.name, rows)
      }
    }
  }
  return out ?? doc
}
