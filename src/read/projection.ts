import type { FlattenedField, SelectType, Sort, Where } from 'payload'

import { meansAnyLocale, tellsLocales } from '../query/scopeInfo.js'
import { getSelectMode } from 'payload/shared'

import { sortEntries } from '../query/plan/conditions.js'

/**
 * The most fields a projection names; past it the whole document is read (DynamoDB limits an
 * expression to 4 KB, and a projection that names most fields saves little).
 */
export const MAX_PROJECTED_FIELDS = 40

/** The top-level fields a sort orders by (`-author.name` → `author`). */
function sortFieldsOf(sort: Sort | undefined): string[] {
  return sortEntries(sort).map((entry) => entry.replace(/^-/, '').split('.')[0])
}

/**
 * The top-level fields that can hold localized values where `locale: 'all'` looks for a
 * document's locales (localized fields that tell locales, scopeInfo.ts `tellsLocales`, and groups
 * and tabs holding them: the fields `docLocales` in query/paths.ts reads): a condition on a
 * localized field matches a locale the document has through any of them (a `null` condition
 * matches a locale that only another field has).
 */
function localeBearingFields(fields: FlattenedField[]): string[] {
  const bears = (field: FlattenedField): boolean =>
    ('localized' in field && field.localized === true && tellsLocales(field)) ||
    ((field.type === 'group' || field.type === 'tab') && field.flattenedFields.some(bears))
  return fields.filter((field) => 'name' in field && bears(field)).map((field) => field.name)
}

/**
 * The top-level fields a `where` reads (the first segment of each path), or undefined when one
 * of them is not a stored field (a join, a virtual field): then the whole document is read.
 * With `locale: 'all'`, also every field that tells the document's locales (see
 * localeBearingFields).
 */
export function fieldsNamedBy(
  fields: FlattenedField[],
  where: undefined | Where,
  locale?: string,
): string[] | undefined {
  const stored = new Map(fields.map((field) => [field.name, field]))
  const named = new Set<string>()
  let complete = true
  const visit = (node: unknown) => {
    if (!node || typeof node !== 'object') {
      return
    }
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (['and', 'or'].includes(key.toLowerCase()) && Array.isArray(value)) {
        value.forEach(visit)
        continue
      }
      const name = key.split('.')[0]
      const field = stored.get(name)
      if (name === 'id') {
        continue
      }
      if (!field || field.type === 'join' || ('virtual' in field && field.virtual)) {
        complete = false
      }
      named.add(name)
    }
  }
  visit(where)
  if (!complete) {
    return undefined
  }
  if (meansAnyLocale(locale) && named.size > 0) {
    localeBearingFields(fields).forEach((name) => named.add(name))
  }
  return [...named]
}

/**
 * The top-level fields a query that returns `select`ed documents has to read: the selected ones,
 * the ones its `where` and sort name, and the timestamps (the default order and its tie-break).
 * Undefined (read whole documents) unless `select` includes fields, or when a field it names is
 * not stored as itself (a virtual field, an unknown name) or there are too many of them.
 *
 * Join fields in the select are left out: their values come from the other collection. With
 * `locale: 'all'`, a query that names fields reads every field that tells the document's locales.
 */
export function projectedFields(
  fields: FlattenedField[],
  args: { locale?: string; select?: SelectType; sort?: Sort; where?: Where },
): string[] | undefined {
  const { select } = args
  if (!select || Object.keys(select).length === 0 || getSelectMode(select) !== 'include') {
    return undefined
  }
  const stored = new Map(fields.map((field) => [field.name, field]))
  const named = new Set<string>(['createdAt', 'updatedAt'])
  const selected = Object.entries(select)
    .filter(([, value]) => value !== false && value !== undefined)
    .map(([name]) => name)
  for (const name of [...selected, ...sortFieldsOf(args.sort)]) {
    if (name === 'id') {
      continue
    }
    const field = stored.get(name)
    if (!field || ('virtual' in field && field.virtual)) {
      return undefined
    }
    if (field.type !== 'join') {
      named.add(name)
    }
  }
  const byWhere = fieldsNamedBy(fields, args.where, args.locale)
  if (!byWhere) {
    return undefined
  }
  byWhere.forEach((name) => named.add(name))
  // A sort on a localized field under `all` also orders by the locales the document has.
  if (meansAnyLocale(args.locale) && sortFieldsOf(args.sort).length > 0) {
    localeBearingFields(fields).forEach((name) => named.add(name))
  }
  return named.size > MAX_PROJECTED_FIELDS ? undefined : [...named]
}
