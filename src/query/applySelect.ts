import { isDate } from 'node:util/types'

import type { FlattenedBlock, FlattenedField, SelectType } from 'payload'

import { fieldShouldBeLocalized, getSelectMode } from 'payload/shared'

import type { Doc } from './types.js'

import { withEmptyLists } from './emptyLists.js'
import { ownValue } from '../utilities/ownValue.js'

/**
 * Applies a `select` to a stored document (localized values as `{ [locale]: value }`), giving what
 * Payload returns through the Local API with db-sqlite (verified):
 * - include mode: `id` always; `createdAt`/`updatedAt` only when selected; array rows keep `id`;
 *   block rows keep `id` and `blockType` (a block slug not selected → `{ id, blockType }`);
 *   `field: true` or a nested select on a non-container field (json, richText…) keeps the whole value.
 * - exclude mode: `id` can't be excluded at the top level; `arr: { id: false }` drops row ids;
 *   `blocks: { slug: false }` reduces those rows to `{ id, blockType }`.
 * Block references (`blockReferences`) are resolved into `blocks` by the namespace's fields
 * (`withReferencedBlocks`), so referenced blocks are descended into as inline ones are.
 */

type Sub = SelectType | boolean | undefined

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !isDate(v)

const blockFieldsOf = (field: FlattenedField, slug: unknown): FlattenedField[] | undefined => {
  if (field.type !== 'blocks') {
    return undefined
  }
  const block = field.blocks.find((b: FlattenedBlock) => b.slug === slug)
  return block?.flattenedFields
}

const mapLocales = (value: unknown, localized: boolean, fn: (v: unknown) => unknown): unknown => {
  if (!localized || !isObject(value)) {
    return fn(value)
  }
  const out: Record<string, unknown> = {}
  for (const [locale, v] of Object.entries(value)) {
    out[locale] = fn(v)
  }
  return out
}

const includeRow = (
  row: unknown,
  keep: string[],
  fields: FlattenedField[],
  select: SelectType,
): unknown => {
  if (!isObject(row)) {
    return row
  }
  const out: Record<string, unknown> = {}
  for (const k of keep) {
    if (k in row) {
      out[k] = row[k]
    }
  }
  return Object.assign(out, includeFields(row, fields, select, false))
}

const includeValue = (field: FlattenedField, value: unknown, sub: SelectType): unknown => {
  switch (field.type) {
    case 'group':
    case 'tab':
      return isObject(value) ? includeFields(value, field.flattenedFields, sub, false) : value
    case 'array':
      return Array.isArray(value)
        ? value.map((row) => includeRow(row, ['id'], field.flattenedFields, sub))
        : value
    case 'blocks':
      return Array.isArray(value)
        ? value.map((row) => {
            if (!isObject(row)) {
              return row
            }
            const blockSelect = sub[String(row.blockType)] as Sub
            const fields = blockFieldsOf(field, row.blockType)
            if (blockSelect === true || (blockSelect && !fields)) {
              return row
            }
            const base = { blockType: row.blockType, id: row.id }
            if (!isObject(blockSelect) || !fields) {
              return pickDefined(base)
            }
            return includeRow(row, ['id', 'blockType'], fields, blockSelect as SelectType)
          })
        : value
    default:
      return value
  }
}

const pickDefined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

const includeFields = (
  doc: Doc,
  fields: FlattenedField[],
  select: SelectType,
  parentLocalized: boolean,
): Doc => {
  const out: Doc = {}
  for (const field of fields) {
    if (!('name' in field)) {
      continue
    }
    const sub = ownValue(select, field.name) as Sub
    if (!sub || !Object.hasOwn(doc, field.name)) {
      continue
    }
    if (sub === true) {
      out[field.name] = doc[field.name]
      continue
    }
    const localized = fieldShouldBeLocalized({ field, parentIsLocalized: parentLocalized })
    out[field.name] = mapLocales(doc[field.name], localized, (v) => includeValue(field, v, sub))
  }
  return out
}

const excludeValue = (field: FlattenedField, value: unknown, sub: SelectType): unknown => {
  switch (field.type) {
    case 'group':
    case 'tab':
      return isObject(value)
        ? excludeFields(value, field.flattenedFields, sub, false, false)
        : value
    case 'array':
      return Array.isArray(value)
        ? value.map((row) =>
            isObject(row) ? excludeFields(row, field.flattenedFields, sub, false, false) : row,
          )
        : value
    case 'blocks':
      return Array.isArray(value)
        ? value.map((row) => {
            if (!isObject(row)) {
              return row
            }
            const blockSelect = sub[String(row.blockType)] as Sub
            if (blockSelect === false) {
              return pickDefined({ blockType: row.blockType, id: row.id })
            }
            const fields = blockFieldsOf(field, row.blockType)
            if (!isObject(blockSelect) || !fields) {
              return row
            }
            return excludeFields(row, fields, blockSelect as SelectType, false, false)
          })
        : value
    default:
      return value
  }
}

const excludeFields = (
  doc: Doc,
  fields: FlattenedField[],
  select: SelectType,
  parentLocalized: boolean,
  topLevel: boolean,
): Doc => {
  const out: Doc = { ...doc }
  for (const [key, sub] of Object.entries(select) as [string, Sub][]) {
    if (sub === false) {
      if (!(topLevel && key === 'id')) {
        delete out[key]
      }
      continue
    }
    if (!isObject(sub) || !(key in out)) {
      continue
    }
    const field = fields.find((f) => 'name' in f && f.name === key)
    if (!field) {
      continue
    }
    const localized = fieldShouldBeLocalized({ field, parentIsLocalized: parentLocalized })
    out[key] = mapLocales(out[key], localized, (v) => excludeValue(field, v, sub as SelectType))
  }
  return out
}

export const applySelect = (
  stored: Doc,
  fields: FlattenedField[],
  select: SelectType | undefined,
): Doc => {
  const doc = withEmptyLists(stored, fields)
  if (!select || !Object.keys(select).length) {
    return doc
  }
  if (getSelectMode(select) === 'exclude') {
    return excludeFields(doc, fields, select, false, true)
  }
  const out: Doc = { id: doc.id }
  return Object.assign(out, includeFields(doc, fields, select, false))
}
