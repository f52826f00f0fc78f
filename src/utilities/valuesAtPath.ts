import type { SanitizedConfig } from 'payload'

import { ownValue } from './ownValue.js'

/**
 * Every value found at a dotted path, stepping into each element of the arrays met on the way
 * (array rows, hasMany values; with `flattenLeaf`, also the elements of an array found at the end).
 * A missing value yields `undefined` once.
 *
 * A segment `layout{hero}` steps into `layout` and keeps only its rows of block type `hero`: how
 * an index names a field of one block type (Payload paths never hold braces).
 */
export function valuesAtPath(doc: unknown, path: string, flattenLeaf = true): unknown[] {
  const segments = path.split('.')
  let current: unknown[] = [doc]
  for (const segment of segments) {
    const next: unknown[] = []
    const brace = segment.endsWith('}') ? segment.indexOf('{') : -1
    const name = brace > 0 ? segment.slice(0, brace) : segment
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value]
      for (const item of items) {
        if (item && typeof item === 'object') {
          const found = ownValue(item, name)
          next.push(brace > 0 ? rowsOfBlockType(found, segment.slice(brace + 1, -1)) : found)
        } else {
          next.push(undefined)
        }
      }
    }
    current = next
  }
  return flattenLeaf
    ? current.flatMap((value) => (Array.isArray(value) ? value : [value]))
    : current
}

function rowsOfBlockType(rows: unknown, blockType: string): unknown[] | undefined {
  return Array.isArray(rows)
    ? rows.filter(
        (row) =>
          row &&
          typeof row === 'object' &&
          (row as { blockType?: unknown }).blockType === blockType,
      )
    : undefined
}

export function defaultLocaleOf(config: SanitizedConfig): string | undefined {
  return config.localization ? config.localization.defaultLocale : undefined
}
