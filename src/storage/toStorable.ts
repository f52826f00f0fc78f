import { isDate } from 'node:util/types'

import { APIError } from 'payload'

/**
 * Prepares a Payload document for DynamoDB: dates become ISO strings (what Payload reads back),
 * invalid dates become null, `undefined` and functions are dropped, and numbers that JSON cannot hold (NaN, infinities) are
 * rejected here with a readable message. Numbers beyond DynamoDB's range are kept: such a
 * document is stored gzipped (mapStorable.ts).
 */
export function toStorable(value: unknown, path = ''): unknown {
  if (value === null || value === undefined) {
    return value
  }
  if (isDate(value)) {
    // An invalid date is stored as JSON.stringify (and so db-sqlite) stores it: null.
    return Number.isNaN(value.getTime()) ? null : value.toISOString()
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new APIError(
        `Cannot store ${value} at "${path || '(root)'}": numbers must be finite.`,
        400,
      )
    }
    return value
  }
  if (typeof value === 'bigint') {
    return Number(value)
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => {
      const stored = toStorable(item, `${path}.${index}`)
      return stored === undefined ? null : stored
    })
  }
  if (typeof value === 'object') {
    if (Buffer.isBuffer(value)) {
      return value.toString('base64')
    }
    const out: Record<string, unknown> = {}
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      if (entry === undefined || typeof entry === 'function') {
        continue
      }
      // An own `__proto__` key (a `json` field's) stays a key, not the object's prototype.
      Object.defineProperty(out, key, {
        configurable: true,
        enumerable: true,
        value: toStorable(entry, path ? `${path}.${key}` : key),
        writable: true,
      })
    }
    return out
  }
  if (typeof value === 'function' || typeof value === 'symbol') {
    return undefined
  }
  return value
}
