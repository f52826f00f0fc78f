import { APIError } from 'payload'

/**
 * Prepares a Payload document for DynamoDB: dates become ISO strings (what Payload reads back),
 * `undefined` and functions are dropped, and numbers that DynamoDB cannot store are rejected here
 * with a readable message instead of a marshalling error.
 */
export function toStorable(value: unknown, path = ''): unknown {
  if (value === null || value === undefined) {
    return value
  }
  if (value instanceof Date) {
    return value.toISOString()
  }
  if (typeof value === 'number') {
    const magnitude = Math.abs(value)
    if (
      !Number.isFinite(value) ||
      (magnitude !== 0 && (magnitude < 1e-130 || magnitude >= 1e126))
    ) {
      throw new APIError(
        `Cannot store ${value} at "${path || '(root)'}": DynamoDB numbers must be finite, with a magnitude between 1e-130 and 1e126 (or 0).`,
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
      out[key] = toStorable(entry, path ? `${path}.${key}` : key)
    }
    return out
  }
  if (typeof value === 'function' || typeof value === 'symbol') {
    return undefined
  }
  return value
}
