import type { PushedValue, StoredTarget } from './types.js'

/** With the `u` flag a surrogate pair is one code point: this only meets lone halves. */
const LONE_SURROGATE = /\p{Cs}/u

/**
 * What DynamoDB can store (what `toStorable` lets in) and the SDK sends without refusing it as
 * imprecise (beyond Number.MAX_SAFE_INTEGER).
 */
const storableNumber = (value: number): boolean => {
  const magnitude = Math.abs(value)
  return (
    Number.isFinite(value) &&
    magnitude <= Number.MAX_SAFE_INTEGER &&
    (magnitude === 0 || magnitude >= 1e-130)
  )
}

/**
 * A query value (already sanitized as the evaluator sanitizes it) that DynamoDB compares exactly
 * as the evaluator does with values of the target's type, or undefined:
 * - numbers: both compare numerically;
 * - text: both compare by code point (SQLite's BINARY collation is UTF-8 byte order, DynamoDB's
 *   too); text with lone surrogates is not pushed (UTF-8 cannot carry it unchanged).
 */
export function pushableScalar(target: StoredTarget, value: unknown): PushedValue | undefined {
  if (target.type === 'N') {
    return typeof value === 'number' && storableNumber(value) ? value : undefined
  }
  return typeof value === 'string' && !LONE_SURROGATE.test(value) ? value : undefined
}
