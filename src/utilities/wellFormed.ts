import { isPlainObject } from './plainObject.js'

/** With the `u` flag a surrogate pair is one code point: this only meets lone halves. */
const LONE_SURROGATE = /\p{Cs}/gu

/**
 * `text` with every lone UTF-16 surrogate replaced by U+FFFD, as a UTF-8 encoder does. db-sqlite
 * stores text so (its driver sends UTF-8), and DynamoDB takes strings as UTF-8: a lone surrogate
 * has no UTF-8 form. The same string when there is none.
 */
export function wellFormedText(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD')
}

/**
 * `value` (a query's `where`, its values at any depth) with its strings made well-formed, so that
 * a value compares with stored text as db-sqlite compares it (its query parameters go as UTF-8
 * too). Keys are left alone (paths). The same object when nothing changes.
 */
export function wellFormedValues<T>(value: T): T {
  if (typeof value === 'string') {
    return wellFormedText(value) as T
  }
  if (Array.isArray(value)) {
    const items = value.map(wellFormedValues)
    return (items.some((item, index) => item !== value[index]) ? items : value) as T
  }
  if (isPlainObject(value)) {
    let changed = false
    const entries = Object.entries(value).map(([key, item]) => {
      const made = wellFormedValues(item)
      changed ||= made !== item
      return [key, made] as const
    })
    return (changed ? Object.fromEntries(entries) : value) as T
  }
  return value
}
