import type { FlattenedField } from 'payload'

import type { Doc } from './types.js'

import { tellsLocales } from './scopeInfo.js'
import { ownValue } from '../utilities/ownValue.js'

const localeCache = new WeakMap<Doc, string[]>()

/**
 * `locale: 'all'` joins the locales table: the doc's locale rows are the locales that appear as
 * keys of its localized values that tell locales (`tellsLocales`; top level, in groups and tabs).
 */
export const docLocales = (fields: FlattenedField[], doc: Doc, codes: string[]): string[] => {
  const hit = localeCache.get(doc)
  if (hit) {
    return hit
  }
  const found = new Set<string>()
  const visit = (fs: FlattenedField[], obj: unknown): void => {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      return
    }
    for (const f of fs) {
      if (!('name' in f)) {
        continue
      }
      const v = ownValue(obj, f.name)
      if ('localized' in f && f.localized) {
        if (tellsLocales(f) && v && typeof v === 'object' && !Array.isArray(v)) {
          for (const k of Object.keys(v)) {
            found.add(k)
          }
        }
      } else if (f.type === 'group' || f.type === 'tab') {
        visit(f.flattenedFields, v)
      }
    }
  }
  visit(fields, doc)
  const out = codes.filter((c) => found.has(c))
  localeCache.set(doc, out)
  return out
}

/**
 * The configured locales a localized value holds (its keys), in the config's order. A list left
 * empty in some locales while others hold rows is only in those (db-sqlite joins the list's rows
 * of every locale: an empty one adds no row, and a null row stands only for a document with none).
 * A list is empty in a locale as `[]` or as `null` (what a save in that locale that left the list
 * alone stores there).
 */
export const ownLocales = (value: unknown, codes: string[]): string[] => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return []
  }
  const held = codes.filter((code) => code in value)
  const byLocale = value as Record<string, unknown>
  const isList = held.some((code) => Array.isArray(byLocale[code]))
  const empty = (item: unknown) =>
    (Array.isArray(item) && item.length === 0) || (isList && (item === null || item === undefined))
  const filled = held.filter((code) => !empty(byLocale[code]))
  return filled.length > 0 ? filled : held
}
