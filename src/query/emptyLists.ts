import type { FlattenedField } from 'payload'

import type { Doc } from './types.js'
import { ownValue } from '../utilities/ownValue.js'

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
 * A localized list without the locales saved empty when another locale has items: SQL stores no
 * rows for them, so they read as absent and Payload falls back to the fallback locale's list, as
 * it does with db-sqlite. When no locale has items, the empty lists stay (`[]`, as db-sqlite reads
 * a list emptied in the locale asked for).
 */
function withoutEmptyLocales(byLocale: Record<string, unknown>): Record<string, unknown> {
  const isEmpty = (value: unknown) => Array.isArray(value) && value.length === 0
  const empty = Object.keys(byLocale).filter((locale) => isEmpty(byLocale[locale]))
  const withItems = Object.values(byLocale).some(
    (value) => Array.isArray(value) && value.length > 0,
  )
  if (empty.length === 0 || !withItems) {
    return byLocale
  }
  const out = { ...byLocale }
  for (const locale of empty) {
    delete out[locale]
  }
  return out
}

/**
 * The document as both official adapters return it: an array, blocks or hasMany field that was
 * never written reads as `[]` (SQL has no rows for it; Mongoose defaults array paths to `[]`),
 * also inside groups, tabs and array/block rows, and inside each locale of a localized group,
 * tab, array or blocks field. A localized list drops the locales saved empty
 * (`withoutEmptyLocales`), and virtual fields (never stored) stay absent.
 */
export function withEmptyLists(doc: Doc, fields: FlattenedField[]): Doc {
  let out: Doc | undefined
  const set = (key: string, value: unknown) => {
    out ??= { ...doc }
    out[key] = value
  }
  for (const field of fields) {
    const virtual = 'virtual' in field && Boolean(field.virtual)
    if (!('name' in field) || !field.name || virtual) {
      continue
    }
    const value = ownValue(doc, field.name)
    const isList = field.type === 'array' || field.type === 'blocks' || hasManyField(field)
    if ('localized' in field && field.localized) {
      let kept = isList && isObject(value) ? withoutEmptyLocales(value) : value
      if (isObject(kept)) {
        // Each locale's group, or rows, shaped as an unlocalized value is.
        const byLocale = kept
        const shaped = Object.fromEntries(
          Object.entries(byLocale).map(([locale, each]) => [locale, shapeValue(field, each)]),
        )
        if (Object.keys(byLocale).some((locale) => shaped[locale] !== byLocale[locale])) {
          kept = shaped
        }
      }
      if (kept !== value) {
        set(field.name, kept)
      }
      continue
    }
    // A hasMany field set to null reads as no values, as in the SQL adapters (rows, not a column).
    if (
      (value === undefined || (value === null && hasManyField(field))) &&
      isList &&
      field.type !== 'join'
    ) {
      set(field.name, [])
      continue
    }
    const shaped = shapeValue(field, value)
    if (shaped !== value) {
      set(field.name, shaped)
    }
  }
  return out ?? doc
}

/** A group's or tab's value, or a list's rows, with their own never-written lists as `[]`. */
function shapeValue(field: FlattenedField, value: unknown): unknown {
  if ((field.type === 'group' || field.type === 'tab') && isObject(value)) {
    return withEmptyLists(value, field.flattenedFields)
  }
  if ((field.type === 'array' || field.type === 'blocks') && Array.isArray(value)) {
    let changed = false
    const rows = value.map((row: unknown) => {
      const nested = isObject(row) ? rowFields(field, row) : undefined
      const shaped = nested && isObject(row) ? withEmptyLists(row, nested) : row
      changed ||= shaped !== row
      return shaped
    })
    return changed ? rows : value
  }
  return value
}
