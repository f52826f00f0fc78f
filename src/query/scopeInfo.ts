import type { FlattenedBlock, FlattenedField, Payload } from 'payload'

/**
 * Everything the query engine reads from `payload` goes through this file, so tests can fake
 * `payload` with just these bits:
 * - `payload.config.localization` (`false` or `{ localeCodes, defaultLocale }`)
 * - `payload.collections[slug].config.flattenedFields` (related collections: id type, nested queries)
 * - `payload.blocks[slug]` (only for `blockReferences`)
 * - `payload.db.defaultIDType` (`'number' | 'text'`; used when a collection has no custom `id` field)
 */

export type IDType = 'number' | 'text'

export type LocalizationInfo = { defaultLocale: string; localeCodes: string[] } | null

export const getLocalization = (payload: Payload): LocalizationInfo => {
  const loc = payload.config?.localization
  if (!loc) {
    return null
  }
  return { defaultLocale: loc.defaultLocale, localeCodes: loc.localeCodes }
}

/** Whether a request's locale asks for every locale (`'all'`, or Payload's `'*'`). */
export const meansAnyLocale = (locale: string | undefined): boolean =>
  locale === 'all' || locale === '*'

/**
 * Whether a localized field tells which locales a document has (what `locale: 'all'` judges a
 * condition in): the fields db-sqlite keeps in the document's row of its locales table, one row
 * per locale it was saved in, which a single relationship or upload is too. Arrays, blocks,
 * `hasMany` values and `hasMany` or polymorphic relationships live in tables of their own, a row
 * per value, and give the document no locale: Payload writes them as an empty list
 * (`notes: { de: [] }`) in a locale where only other fields were saved.
 */
export const tellsLocales = (field: FlattenedField): boolean => {
  if (field.type === 'array' || field.type === 'blocks' || field.type === 'join') {
    return false
  }
  if (field.type === 'relationship' || field.type === 'upload') {
    return field.hasMany !== true && typeof field.relationTo === 'string'
  }
  return !('hasMany' in field && field.hasMany === true)
}

/** `undefined` → default locale; `'all'`/`'*'` → `'all'` (any locale); else the locale itself. */
export const normalizeLocale = (
  payload: Payload,
  locale: string | undefined,
): string | undefined => {
  const loc = getLocalization(payload)
  if (!loc) {
    return undefined
  }
  if (meansAnyLocale(locale)) {
    return 'all'
  }
  return locale ?? loc.defaultLocale
}

export const getCollectionFields = (payload: Payload, slug: string): FlattenedField[] => {
  const collection = payload.collections?.[slug]
  if (!collection) {
    throw new Error(`Unknown collection "${slug}" in query`)
  }
  return collection.config.flattenedFields
}

const defaultIDType = (payload: Payload): IDType =>
  (payload.db as { defaultIDType?: string } | undefined)?.defaultIDType === 'number'
    ? 'number'
    : 'text'

export const idTypeOfFields = (payload: Payload, fields: FlattenedField[]): IDType => {
  const idField = fields.find((f) => 'name' in f && f.name === 'id')
  if (idField) {
    return idField.type === 'number' ? 'number' : 'text'
  }
  return defaultIDType(payload)
}

export const getCollectionIDType = (payload: Payload, slug: string): IDType =>
  idTypeOfFields(payload, getCollectionFields(payload, slug))

export const getBlocks = (payload: Payload, field: FlattenedField): FlattenedBlock[] => {
  if (field.type !== 'blocks') {
    return []
  }
  const refs = field.blockReferences ?? field.blocks
  const out: FlattenedBlock[] = []
  for (const ref of refs) {
    if (typeof ref === 'string') {
      const block = (payload.blocks as Record<string, FlattenedBlock | undefined> | undefined)?.[
        ref
      ]
      if (block) {
        out.push(block)
      }
    } else {
      out.push(ref)
    }
  }
  return out
}
