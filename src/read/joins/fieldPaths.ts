import type { FlattenedField, Payload } from 'payload'

import { fieldShouldBeLocalized } from 'payload/shared'

import type { DocID } from '../../query/types.js'
import { findBlock } from '../../utilities/findBlock.js'
import { ownValue } from '../../utilities/ownValue.js'

/** How localized values are read: which locales count, or none when localization is off. */
export type LocaleReading = {
  /** Locales whose values are read at a localized field (union); `undefined`: not localized. */
  locales?: string[]
  payload: Payload
}

function findField(fields: FlattenedField[] | undefined, name: string): FlattenedField | undefined {
  return fields?.find((field) => 'name' in field && field.name === name)
}

function subFields(field: FlattenedField): FlattenedField[] | undefined {
  return 'flattenedFields' in field ? field.flattenedFields : undefined
}

function blockFields(
  field: FlattenedField,
  blockType: unknown,
  payload: Payload,
): FlattenedField[] | undefined {
  return findBlock(field, blockType, payload)?.flattenedFields
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The values stored for a localized field in the chosen locales (the value itself if unlocalized). */
function localizedValues(value: unknown, reading: LocaleReading): unknown[] {
  if (!reading.locales) {
    return [value]
  }
  // Data written before the field was localized is kept as is.
  if (!isPlainObject(value) || 'relationTo' in value) {
    return [value]
  }
  return reading.locales.map((locale) => ownValue(value, locale))
}

/**
 * Every value found at `path` in `doc`, walking groups, named tabs, arrays (each row), blocks
 * (each row of the matching block type) and localized fields (the chosen locales). Leaf arrays
 * (hasMany) are spread.
 */
export function valuesAtPath(
  doc: Record<string, unknown>,
  fields: FlattenedField[],
  path: string,
  reading: LocaleReading,
): unknown[] {
  const out: unknown[] = []
  walk(doc, fields, path.split('.'), false, reading, out)
  return out
}

function walk(
  container: unknown,
  fields: FlattenedField[] | undefined,
  segments: string[],
  parentIsLocalized: boolean,
  reading: LocaleReading,
  out: unknown[],
): void {
  if (!isPlainObject(container)) {
    return
  }
  const [segment = '', ...rest] = segments
  const field = findField(fields, segment)
  let values: unknown[] = [ownValue(container, segment)]
  if (field && fieldShouldBeLocalized({ field, parentIsLocalized })) {
    values = values.flatMap((value) => localizedValues(value, reading))
  }
  const localized = parentIsLocalized || Boolean(field && 'localized' in field && field.localized)
  for (const value of values) {
    if (value === undefined || value === null) {
      continue
    }
    if (rest.length === 0) {
      if (Array.isArray(value)) {
        out.push(...value)
      } else {
        out.push(value)
      }
      continue
    }
    if (field?.type === 'array' && Array.isArray(value)) {
      for (const row of value) {
        walk(row, field.flattenedFields, rest, localized, reading, out)
      }
    } else if (field?.type === 'blocks' && Array.isArray(value)) {
      // A join's `on` names the block type (`content.quote.ref`): only that type's rows.
      const [slug = '', ...afterSlug] = rest
      const ofType = blockSlugs(field).includes(slug)
      for (const row of value) {
        if (ofType && !(isPlainObject(row) && row.blockType === slug)) {
          continue
        }
        const rowFields = isPlainObject(row)
          ? blockFields(field, row.blockType, reading.payload)
          : undefined
        if (rowFields) {
          walk(row, rowFields, ofType ? afterSlug : rest, localized, reading, out)
        }
      }
    } else if (Array.isArray(value)) {
      for (const row of value) {
        walk(row, field ? subFields(field) : undefined, rest, localized, reading, out)
      }
    } else {
      walk(value, field ? subFields(field) : undefined, rest, localized, reading, out)
    }
  }
}

/**
 * The ids a relationship value points at in `collection`: plain ids, `{ relationTo, value }`
 * (kept only when `relationTo` is `collection`) and populated documents (`{ id }`).
 */
export function referencedID(value: unknown, collection: string): DocID | undefined {
  if (typeof value === 'string' || typeof value === 'number') {
    return value
  }
  if (!isPlainObject(value)) {
    return undefined
  }
  if ('relationTo' in value) {
    return value.relationTo === collection ? referencedID(value.value, collection) : undefined
  }
  const id = value.id
  return typeof id === 'string' || typeof id === 'number' ? id : undefined
}

/** The key under which ids are compared: `1` and `'1'` point at the same document. */
export function idKey(id: DocID): string {
  return String(id)
}

/** The slugs of a blocks field's block types. */
function blockSlugs(field: FlattenedField): string[] {
  return field.type === 'blocks'
    ? (field.blockReferences ?? field.blocks).map((block) =>
        typeof block === 'string' ? block : block.slug,
      )
    : []
}

/**
 * A join's `on` path as a `where` names the same field: without the block type a join's path
 * names after a blocks field (`content.quote.ref` is `content.ref`).
 */
export function wherePathOf(fields: FlattenedField[], on: string): string {
  const out: string[] = []
  let level: FlattenedField[] | undefined = fields
  const segments = on.split('.')
  for (let i = 0; i < segments.length; i++) {
    const field = findField(level, segments[i] as string)
    out.push(segments[i] as string)
    if (field?.type === 'blocks' && blockSlugs(field).includes(segments[i + 1] ?? '')) {
      const slug = segments[i + 1] as string
      const block = (field.blockReferences ?? field.blocks).find(
        (candidate) => typeof candidate !== 'string' && candidate.slug === slug,
      )
      level = block && typeof block !== 'string' ? block.flattenedFields : undefined
      i++
      continue
    }
    level = field ? subFields(field) : undefined
  }
  return out.join('.')
}

/** The field at a dotted path through groups, named tabs and arrays (not blocks), if any. */
export function fieldAtPath(fields: FlattenedField[], path: string): FlattenedField | undefined {
  let level: FlattenedField[] | undefined = fields
  let found: FlattenedField | undefined
  for (const segment of path.split('.')) {
    found = findField(level, segment)
    if (!found) {
      return undefined
    }
    level = subFields(found)
  }
  return found
}
