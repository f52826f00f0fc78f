import type { FlattenedField } from 'payload'

import { fieldShouldBeLocalized } from 'payload/shared'

import type { Namespace } from '../namespaces.js'

const ROW = /^\d+$/

const child = (value: unknown, key: string): unknown =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined

/**
 * A path in a document as stored (`title.en`, `version.n`, `layout.0.ln.de`) as Payload names the
 * field in its errors (`title`, `n`, `layout.0.ln`): without the locale of a localized field
 * (one of `locales`, right after the field), and without the `version` group of a version.
 * `doc` is the stored document: a block row's fields are found by its `blockType`.
 */
export function payloadFieldPath(
  namespace: Namespace,
  locales: readonly string[],
  storedPath: string,
  doc: unknown,
): string {
  const segments = storedPath.split('.')
  let fields: FlattenedField[] | undefined = namespace.fields
  let value = doc
  const versioned = namespace.kind === 'versions' || namespace.kind === 'globalVersions'
  if (versioned && segments[0] === 'version') {
    const version = fields.find((field) => field.name === 'version')
    fields = version && 'flattenedFields' in version ? version.flattenedFields : undefined
    value = child(value, 'version')
    segments.shift()
  }
  const out: string[] = []
  let withinLocalized = false
  for (let i = 0; i < segments.length; i++) {
    out.push(segments[i])
    value = child(value, segments[i])
    const field: FlattenedField | undefined = fields?.find((each) => each.name === segments[i])
    if (!field) {
      fields = undefined
      continue
    }
    // Only the outermost localized field holds locales, unless Payload's compatibility flag
    // localizes fields within localized ones too (as the write path decides).
    const ownLocales = fieldShouldBeLocalized({ field, parentIsLocalized: withinLocalized })
    withinLocalized ||= 'localized' in field && Boolean(field.localized)
    if (ownLocales && locales.includes(segments[i + 1] ?? '')) {
      value = child(value, segments[++i])
    }
    if ((field.type === 'array' || field.type === 'blocks') && ROW.test(segments[i + 1] ?? '')) {
      out.push(segments[++i])
      value = child(value, segments[i])
      fields =
        field.type === 'array'
          ? field.flattenedFields
          : field.blocks.find((block) => block.slug === child(value, 'blockType'))?.flattenedFields
      continue
    }
    if (!('flattenedFields' in field)) {
      // A value's own parts (a hasMany list's items, a point's coordinates) are the field's.
      break
    }
    fields = field.flattenedFields
  }
  return out.length > 0 ? out.join('.') : storedPath
}
