import type { FlattenedField } from 'payload'

import { fieldShouldBeLocalized } from 'payload/shared'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'
import type { Context, Reference, TransformResult, WriteMode } from './transform/context.js'

import { asLiteral } from './literalValues.js'
import {
  eachItem,
  toCheckbox,
  toDate,
  toNumber,
  toPoint,
  toSingleText,
  toText,
} from './transform/coerce.js'
import { isPlainObject } from '../utilities/plainObject.js'
import { idOfCollection, relationItem } from './transform/relations.js'
import { findBlock } from '../utilities/findBlock.js'
import { toStorableField } from '../storage/toStorable.js'
import { ownValue } from '../utilities/ownValue.js'

export { assertReferencesExist } from './transform/references.js'
export type { Reference, TransformResult, WriteMode } from './transform/context.js'

/**
 * The field-aware write transform: what Payload hands the adapter, reshaped into what is stored,
 * so that reading it back gives what the SQL adapters give.
 *
 * - Only keys the config declares are kept (plus `id`; `globalType` on globals; a version's own
 *   top-level keys), so unknown keys (`password`, timestamps of a collection without timestamps)
 *   and `virtual` / `join` fields never reach the table.
 * - Scalars are coerced to their field's type: text-like values to strings, numbers from numeric
 *   strings, dates to ISO strings (from `Date`s and Unix milliseconds), points to GeoJSON,
 *   relationship values to ids of the related collection's id type (populated documents reduced to
 *   their id).
 * - Groups, named tabs, array rows (keeping `id`), blocks (keeping `id`, `blockType`, `blockName`)
 *   and localized `{ [locale]: value }` maps are transformed value by value; json and richText are
 *   kept as they are.
 * - On create, static `defaultValue`s fill fields the data leaves out (what a SQL column default
 *   does), also inside groups and array/block rows.
 * - Payload's atomic update operators (`$inc`, `$push`, `$remove`) pass through, with the items
 *   they add transformed like the field's values.
 *
 * Relationship ids a write introduces are collected as references, for `assertReferencesExist`.
 */

const OPERATORS = ['$inc', '$push', '$remove'] as const

/** Keys a version document keeps at its top level (besides `version`). */
const VERSION_KEYS = new Set([
  'autosave',
  'createdAt',
  'id',
  'latest',
  'parent',
  'publishedLocale',
  'snapshot',
  'updatedAt',
])

function isOperator(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && OPERATORS.some((operator) => operator in value)
}

function joinPath(base: string, key: number | string): string {
  return base ? `${base}.${key}` : String(key)
}

/** Fields whose values are not stored: virtual fields and joins (computed on read). */
function isStored(field: FlattenedField): boolean {
  return !('virtual' in field && field.virtual) && field.type !== 'join'
}

// ---------------------------------------------------------------------------------------------
// Fields

/** The value of one (non-localized view of a) field, transformed. */
function fieldValue(
  ctx: Context,
  field: FlattenedField,
  value: unknown,
  path: string,
  localized: boolean,
): unknown {
  if (value === null || value === undefined) {
    return value
  }
  if (field.type === 'json' || field.type === 'richText') {
    // Stored as JSON would hold it (a date as its ISO text, an invalid one as null), so what a
    // write returns and what this process keeps in memory are what a read gives back.
    return asLiteral(toStorableField(value, path))
  }
  if (isOperator(value)) {
    return operatorValue(ctx, field, value, path, localized)
  }
  switch (field.type) {
    case 'array': {
      if (!Array.isArray(value)) {
        return value
      }
      return value.map((row, index) =>
        rowValue(ctx, field.flattenedFields, row, joinPath(path, index), localized),
      )
    }
    case 'blocks': {
      if (!Array.isArray(value)) {
        return value
      }
      return value.map((row, index) => {
        if (!isPlainObject(row)) {
          return row
        }
        const block = findBlock(field, row.blockType, ctx.adapter.payload)
        if (!block) {
          return row
        }
        const out = rowValue(
          ctx,
          block.flattenedFields,
          row,
          joinPath(path, index),
          localized,
        ) as Record<string, unknown>
        out.blockType = row.blockType
        if (row.blockName !== undefined) {
          out.blockName = row.blockName
        }
        return out
      })
    }
    case 'checkbox':
      return toCheckbox(value)
    case 'code':
    case 'email':
    case 'radio':
    case 'select':
    case 'text':
    case 'textarea':
      return 'hasMany' in field && field.hasMany ? eachItem(value, toText) : toSingleText(value)
    case 'date':
      return toDate(value)
    case 'group':
    case 'tab': {
      if (!isPlainObject(value)) {
        return value
      }
      return fieldsValue(ctx, field.flattenedFields, value, path, localized)
    }
    case 'number':
      return eachItem(value, toNumber)
    case 'point':
      return toPoint(value)
    case 'relationship':
    case 'upload': {
      // A hasMany field holds a list: a single value is stored as a one-item list, as the SQL
      // adapters (one row per related id) read it back.
      const items = Array.isArray(value) ? value : field.hasMany ? [value] : undefined
      if (items) {
        return items.map((item, index) => relationItem(ctx, field, item, joinPath(path, index)))
      }
      return relationItem(ctx, field, value, path)
    }
    default:
      // json, richText: stored as given.
      return value
  }
}

/** An atomic operator: kept, with the items `$push` / `$remove` carry transformed like the field's. */
function operatorValue(
  ctx: Context,
  field: FlattenedField,
  value: Record<string, unknown>,
  path: string,
  localized: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value }
  for (const operator of ['$push', '$remove'] as const) {
    if (!(operator in value)) {
      continue
    }
    const items = value[operator]
    const list = Array.isArray(items) ? items : [items]
    const transformed = fieldValue(ctx, field, list, path, localized)
    out[operator] = Array.isArray(items) ? transformed : (transformed as unknown[])[0]
  }
  return out
}

function rowValue(
  ctx: Context,
  fields: FlattenedField[],
  row: unknown,
  path: string,
  localized: boolean,
): unknown {
  if (!isPlainObject(row)) {
    return row
  }
  const out = fieldsValue(ctx, fields, row, path, localized)
  if (row.id !== undefined) {
    out.id = row.id
  }
  return out
}

/** A field's default, if it is a static value (functions need the request, which Payload has). */
function staticDefault(field: FlattenedField): unknown {
  const defaultValue = 'defaultValue' in field ? field.defaultValue : undefined
  return typeof defaultValue === 'function' ? undefined : defaultValue
}

/** A value for a field the create data leaves out, or undefined. */
function defaultFor(ctx: Context, field: FlattenedField, path: string): unknown {
  if (field.type === 'array' || field.type === 'blocks') {
    // Rows are data, not column defaults: their fields get defaults once rows are given.
    return undefined
  }
  const fallback = staticDefault(field)
  if (field.type === 'group' || field.type === 'tab') {
    const base = isPlainObject(fallback) ? fallback : {}
    const value = fieldsValue(ctx, field.flattenedFields, base, path, false)
    return Object.keys(value).length > 0 ? value : undefined
  }
  if (fallback === undefined || fallback === null) {
    return undefined
  }
  return fieldValue(ctx, field, structuredClone(fallback), path, false)
}

/** Whether `value` is a `{ [locale]: value }` map of this config's locales. */
function isLocaleMap(ctx: Context, value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value)) {
    return false
  }
  const keys = Object.keys(value)
  return keys.length > 0 && keys.every((key) => ctx.localeCodes.has(key))
}

/** An object of fields (a document, group, tab or row), keeping only the declared, stored fields. */
function fieldsValue(
  ctx: Context,
  fields: FlattenedField[],
  data: Record<string, unknown>,
  path: string,
  parentLocalized: boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const field of fields) {
    // The document id is the operation's business (kept as given); row ids are kept by rowValue.
    if (!isStored(field) || (field.name === 'id' && path === '')) {
      continue
    }
    const fieldPath = joinPath(path, field.name)
    // Payload copies a missing `valueOf` (or any inherited member) from Object's prototype: a
    // function is never a value to store.
    const given = ownValue(data, field.name)
    const value = typeof given === 'function' ? undefined : given
    // Payload's rule (a localized field in a localized parent holds its own locales only under
    // its `allowLocalizedWithinLocalized` compatibility flag), as reads and queries apply it.
    const localized =
      ctx.localeCodes.size > 0 &&
      fieldShouldBeLocalized({ field, parentIsLocalized: parentLocalized })
    if (value === undefined) {
      if (ctx.mode === 'create' && !localized) {
        const fallback = defaultFor(ctx, field, fieldPath)
        if (fallback !== undefined) {
          out[field.name] = fallback
        }
      }
      continue
    }
    if (localized && isLocaleMap(ctx, value)) {
      const perLocale: Record<string, unknown> = {}
      for (const [locale, localeValue] of Object.entries(value)) {
        // (An inherited member Payload copied, as above: `{ en: valueOf }`.)
        if (localeValue !== undefined && typeof localeValue !== 'function') {
          perLocale[locale] = fieldValue(ctx, field, localeValue, fieldPath, true)
        }
      }
      out[field.name] = perLocale
    } else if (localized && unknownLocales(field, value)) {
      out[field.name] = value
    } else {
      out[field.name] = fieldValue(ctx, field, value, fieldPath, parentLocalized || localized)
    }
  }
  if (path === '' && ctx.mode === 'update') {
    for (const [key, value] of Object.entries(data)) {
      if (key.includes('.') && value !== undefined) {
        const transformed = dottedValue(ctx, fields, key, value)
        if (transformed !== undefined) {
          out[key] = transformed
        }
      }
    }
  }
  return out
}

/**
 * An update may set a nested field by its dotted path (`'group.field': value`, as Payload does for
 * `$push` / `$remove` on nested relationships): the value is transformed with the field at that path
 * (a trailing locale code addresses one locale of a localized field); unknown paths are dropped.
 */
function dottedValue(ctx: Context, fields: FlattenedField[], key: string, value: unknown): unknown {
  const segments = key.split('.')
  let scope = fields
  let localized = false
  for (let index = 0; index < segments.length; index++) {
    const field: FlattenedField | undefined = scope.find(
      (candidate) => candidate.name === segments[index],
    )
    if (!field || !isStored(field)) {
      return undefined
    }
    const fieldLocalized: boolean =
      ctx.localeCodes.size > 0 && fieldShouldBeLocalized({ field, parentIsLocalized: localized })
    const rest = segments.slice(index + 1)
    if (fieldLocalized && rest.length === 1 && ctx.localeCodes.has(rest[0])) {
      return fieldValue(ctx, field, value, key, true)
    }
    if (rest.length === 0) {
      if (fieldLocalized && isLocaleMap(ctx, value)) {
        return Object.fromEntries(
          Object.entries(value).map(([locale, localeValue]) => [
            locale,
            fieldValue(ctx, field, localeValue, key, true),
          ]),
        )
      }
      if (fieldLocalized && unknownLocales(field, value)) {
        return value
      }
      return fieldValue(ctx, field, value, key, localized || fieldLocalized)
    }
    if ((field.type !== 'group' && field.type !== 'tab') || fieldLocalized) {
      // Paths through rows or locales of a container are not addressed by Payload: stored as given.
      return value
    }
    localized = localized || fieldLocalized
    scope = field.flattenedFields
  }
  return undefined
}

/**
 * A localized text field's object that is no map of this config's locales: a map naming a locale
 * the config lacks (kept as stored), not one value to store as its JSON text.
 */
function unknownLocales(field: FlattenedField, value: unknown): boolean {
  return (
    TEXT_TYPES.has(field.type) && !('hasMany' in field && field.hasMany) && isPlainObject(value)
  )
}

const TEXT_TYPES: ReadonlySet<string> = new Set([
  'code',
  'email',
  'radio',
  'select',
  'text',
  'textarea',
])

function newContext(adapter: DynamoDBAdapter, mode: WriteMode): Context {
  const localization = adapter.payload.config.localization
  return {
    adapter,
    localeCodes: new Set(localization ? localization.localeCodes : []),
    mode,
    references: [],
  }
}

function versionFields(namespace: Namespace): FlattenedField[] | undefined {
  const field = namespace.fields.find((candidate) => candidate.name === 'version')
  return field && field.type === 'group' ? field.flattenedFields : undefined
}

/** The `version` data of a version document, transformed with its collection's (or global's) fields. */
function versionData(ctx: Context, namespace: Namespace, version: unknown): unknown {
  const fields = versionFields(namespace)
  if (!fields || !isPlainObject(version)) {
    return version
  }
  const out = fieldsValue(ctx, fields, version, 'version', false)
  for (const key of ['createdAt', 'updatedAt']) {
    if (version[key] !== undefined && out[key] === undefined) {
      out[key] = version[key]
    }
  }
  // Not the document's `id`: the SQL adapters store a version's data without it (`parent` names
  // the document), and Payload sets it where it needs it.
  delete out.id
  return out
}

/**
 * Transforms the data of a write in `namespace`: a whole document (`create`) or the keys an update
 * sets (`update`, no defaults). Version documents keep their own keys and get `version` transformed.
 */
export function transformWrite(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  data: Record<string, unknown>,
  mode: WriteMode,
): TransformResult {
  const ctx = newContext(adapter, mode)
  if (namespace.kind === 'versions' || namespace.kind === 'globalVersions') {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(data)) {
      if (key === 'version') {
        out.version = versionData({ ...ctx, mode: 'update' }, namespace, value)
      } else if (key === 'parent' && namespace.kind === 'versions') {
        out.parent = idOfCollection(adapter, namespace.slug, value)
      } else if (key === 'createdAt' || key === 'updatedAt') {
        out[key] = toDate(value)
      } else if (VERSION_KEYS.has(key)) {
        out[key] = value
      }
    }
    return { data: out, references: [] }
  }
  const out = fieldsValue(ctx, namespace.fields, data, '', false)
  if (data.id !== undefined) {
    out.id = data.id
  }
  if (namespace.kind === 'global') {
    for (const key of ['globalType', 'createdAt', 'updatedAt']) {
      if (data[key] !== undefined && out[key] === undefined) {
        out[key] = data[key]
      }
    }
  }
  return { data: out, references: ctx.references }
}

/**
 * The relationship ids stored documents hold (typed by their collections), so that an update
 * does not check again those it keeps: read as a write of the whole document would name them.
 */
export function referencesHeld(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  docs: Record<string, unknown>[],
): Reference[] {
  return docs.flatMap((doc) => transformWrite(adapter, namespace, doc, 'update').references)
}

/** Just the `version` data of a new version, transformed (see `transformWrite`). */
export function transformVersionData(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  version: Record<string, unknown>,
): Record<string, unknown> {
  return versionData(newContext(adapter, 'update'), namespace, version) as Record<string, unknown>
}
