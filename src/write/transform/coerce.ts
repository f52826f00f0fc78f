import { isDate } from 'node:util/types'

import { wellFormedText } from '../../utilities/wellFormed.js'
import { isPlainObject } from '../../utilities/plainObject.js'

/** Coercions of a scalar to its field's type, as the SQL adapters' column types do. */
export function toText(value: unknown): unknown {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value)
  }
  // Payload's validation lets a Date through: its ISO text (an invalid one no value), as stored
  // it would be anyway, so the document a write returns holds text too.
  if (isDate(value)) {
    return toDate(value)
  }
  // A lone surrogate becomes U+FFFD, as db-sqlite stores it (utilities/wellFormed.ts).
  return typeof value === 'string' ? wellFormedText(value) : value
}

/**
 * A single text value: an object or a list (Payload's validation lets them through) is stored as
 * its JSON text, as the SQL adapters' text columns store it.
 */
export function toSingleText(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !isDate(value)) {
    return wellFormedText(JSON.stringify(value))
  }
  return toText(value)
}

export function toNumber(value: unknown): unknown {
  // Payload's validation lets a boolean through; db-sqlite stores no value for it.
  if (typeof value === 'boolean') {
    return null
  }
  if (typeof value === 'string') {
    if (value.trim() === '') {
      return null
    }
    const number = Number(value)
    return Number.isNaN(number) ? value : number
  }
  if (typeof value === 'bigint') {
    return Number(value)
  }
  return value
}

export function toDate(value: unknown): unknown {
  if (isDate(value)) {
    return Number.isNaN(value.getTime()) ? null : value.toISOString()
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return new Date(value).toISOString()
  }
  // Stored and returned in ISO form whatever form it came in ('2024-05-12', an offset), as the
  // SQL adapters' timestamp columns and db-mongodb's dates give it back.
  if (typeof value === 'string' && value !== '') {
    const time = Date.parse(value)
    return Number.isFinite(time) ? new Date(time).toISOString() : value
  }
  return value
}

export function toCheckbox(value: unknown): unknown {
  if (value === 'true') {
    return true
  }
  // As db-sqlite stores a number in a checkbox (Payload's validation lets 0 and NaN through).
  if (typeof value === 'number') {
    return value !== 0 && !Number.isNaN(value)
  }
  if (value === 'false') {
    return false
  }
  return value
}

export function toPoint(value: unknown): unknown {
  const coordinates = Array.isArray(value)
    ? value
    : isPlainObject(value) && Array.isArray(value.coordinates)
      ? value.coordinates
      : undefined
  if (!coordinates) {
    return value
  }
  return {
    ...(isPlainObject(value) ? value : {}),
    type: 'Point',
    coordinates: coordinates.map(toNumber),
  }
}

/** `value` (a scalar or, for hasMany fields, each item of a list) coerced with `coerce`. */
export function eachItem(value: unknown, coerce: (item: unknown) => unknown): unknown {
  return Array.isArray(value) ? value.map(coerce) : coerce(value)
}
