import { isDate } from 'node:util/types'

import { ValidationError } from 'payload'

/**
 * Prepares a Payload document for DynamoDB: dates become ISO strings (what Payload reads back),
 * invalid dates become null, `undefined` and functions are dropped, and numbers that JSON cannot
 * hold (NaN, infinities) are refused here with a `ValidationError` naming their path. Numbers beyond DynamoDB's range are kept: such a
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
      // Named by its path (array rows by index, as Payload names them), for the admin to show.
      throw new ValidationError({
        errors: [
          {
            message: `Cannot store ${value}: a number must be finite (not NaN or an infinity).`,
            path: path || 'id',
          },
        ],
      })
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

/**
 * A json or rich text field's value as stored: a refusal of something inside it names the field
 * (what the admin can show), not the key within the value.
 */
export function toStorableField(value: unknown, fieldPath: string): unknown {
  try {
    return toStorable(value, fieldPath)
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError({
        errors: error.data.errors.map(({ message }) => ({ message, path: fieldPath })),
      })
    }
    throw error
  }
}
