import type { Payload } from 'payload'

import type { ResolvedPath } from '../paths.js'
import type { OperatorResult } from './index.js'

import { relationCandidates } from '../sanitizeValue.js'
import { getCollectionIDType } from '../scopeInfo.js'

/**
 * db-sqlite compares a polymorphic relationship's `value` column by column, one per target
 * collection, and leaves out the columns of text-id collections when the query's values are all
 * numbers (they could not match). The path narrowed to the number-id targets then, else none.
 */
export function numberTargetsOnly(
  payload: Payload,
  path: ResolvedPath,
  value: unknown,
): ResolvedPath | undefined {
  const targets = path.relationTo ?? []
  const numbers =
    typeof value === 'number' ||
    (Array.isArray(value) && value.length > 0 && value.every((x) => typeof x === 'number'))
  const isNumberTarget = (slug: string) => getCollectionIDType(payload, slug) === 'number'
  if (!numbers || targets.every(isNumberTarget)) {
    return undefined
  }
  return { ...path, relationTo: targets.filter(isNumberTarget) }
}

/**
 * A test over the number-id columns only: a text id (a text-id target's) never passes it, nor
 * does a document without the relationship (db-sqlite's comparison finds no row to compare).
 */
export function onNumberIDsOnly(result: OperatorResult): OperatorResult {
  if (typeof result === 'function') {
    return (v) => typeof v === 'number' && result(v)
  }
  return result === true ? (v) => typeof v === 'number' : result
}

/** `{ relationTo, value }` with the value in that collection's id type ('09' is 9 for number ids). */
export function typedPolyValue(payload: Payload, path: ResolvedPath, x: object): object {
  const { relationTo, value } = x as { relationTo?: unknown; value?: unknown }
  if (
    typeof relationTo !== 'string' ||
    !payload.collections[relationTo] ||
    (typeof value !== 'string' && typeof value !== 'number')
  ) {
    return x
  }
  const [typed] = relationCandidates(payload, { ...path, relationTo: [relationTo] }, value)
  return typed === undefined ? x : { ...x, value: typed }
}
