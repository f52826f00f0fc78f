import { isLiteral } from './literalValues.js'
import { ownValue } from '../utilities/ownValue.js'
import { isPlainObject } from '../utilities/plainObject.js'

/**
 * Applies Payload's update data to a stored document. Top-level keys replace what was there (as
 * Payload sends whole field values), except Payload's atomic operators, which act on the stored
 * value: `{ $inc: n }` on numbers, `{ $push: items }` on arrays and hasMany relationships, and
 * `{ $remove: items }` on hasMany relationships; also inside a localized `{ [locale]: op }` value.
 * A dotted key (`'group.field'`, as Payload's low-level updates send for nested fields) addresses
 * the value inside the stored containers; Payload field names never contain dots.
 */
export function mergeUpdate(
  existing: Record<string, unknown>,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...existing }
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) {
      continue
    }
    if (key.includes('.')) {
      const [head, ...rest] = key.split('.') as [string, ...string[]]
      merged[head] = applyAtPath(merged[head], rest, value)
      continue
    }
    merged[key] = applyValue(ownValue(existing, key), value)
  }
  return merged
}

/** Applies `value` at `segments` below `current`, copying the containers on the way down. */
function applyAtPath(current: unknown, segments: string[], value: unknown): unknown {
  const [head, ...rest] = segments
  if (head === undefined) {
    return applyValue(current, value)
  }
  const base: Record<string, unknown> = isPlainObject(current) ? { ...current } : {}
  base[head] = applyAtPath(base[head], rest, value)
  return base
}

function hasOperator(value: unknown): boolean {
  if (!isPlainObject(value) || isLiteral(value)) {
    return false
  }
  return Object.entries(value).some(
    ([key, entry]) => key === '$inc' || key === '$push' || key === '$remove' || hasOperator(entry),
  )
}

function sameRelation(a: unknown, b: unknown): boolean {
  if (isPlainObject(a) && isPlainObject(b)) {
    return a.relationTo === b.relationTo && String(a.value) === String(b.value)
  }
  return String(a) === String(b)
}

function applyValue(current: unknown, next: unknown): unknown {
  if (!hasOperator(next)) {
    return next
  }
  const ops = next as Record<string, unknown>
  if ('$inc' in ops && typeof ops.$inc === 'number') {
    return (typeof current === 'number' ? current : 0) + ops.$inc
  }
  if ('$push' in ops) {
    const items = Array.isArray(ops.$push) ? ops.$push : [ops.$push]
    const list = Array.isArray(current) ? [...current] : []
    for (const item of items) {
      // hasMany relationships behave as sets (an id, or `{ relationTo, value }`); array rows,
      // with or without an id, always append.
      const isRow = isPlainObject(item) && !('relationTo' in item && 'value' in item)
      if (isRow || !list.some((existing) => sameRelation(existing, item))) {
        list.push(item)
      }
    }
    return list
  }
  if ('$remove' in ops) {
    const items = Array.isArray(ops.$remove) ? ops.$remove : [ops.$remove]
    const list = Array.isArray(current) ? current : []
    return list.filter((existing) => !items.some((item) => sameRelation(existing, item)))
  }
  // A container (group or localized map) holding operators deeper down.
  const base = isPlainObject(current) ? current : {}
  return mergeUpdate(base, ops)
}
