import { createHash } from 'node:crypto'
import { APIError } from 'payload'

/**
 * DynamoDB caps a sort key at 1024 bytes and a partition key at 2048 bytes. Ids longer than this
 * are stored under a digest; the marker characters below keep the two forms apart.
 */
export const MAX_PLAIN_ID_BYTES = 900

/** Marks a key component that holds the id verbatim. */
const PLAIN_MARK = '='
/** Marks a key component that holds the SHA-256 of an id too long to store verbatim. */
const DIGEST_MARK = '~'

/**
 * Turns a document id (text or number) into the string used in a key.
 *
 * Every output starts with a marker, so an id can never be mistaken for a digest (or the other way
 * round), and the id is always the *last* component of the key, so separators inside it cannot
 * shift the boundary between components. Numbers use their canonical decimal form: a collection
 * has one id type, so `1` and `'1'` never meet in one partition.
 */
export function encodeID(id: number | string): string {
  const text = typeof id === 'number' ? String(id) : id
  // With the u flag only unpaired surrogates match. They have no UTF-8 form, so DynamoDB would
  // store them as U+FFFD and two different ids would share one key.
  if (/[\uD800-\uDFFF]/u.test(text)) {
    throw new APIError(
      'Invalid id: it contains an unpaired UTF-16 surrogate, which DynamoDB cannot store.',
      400,
    )
  }
  if (Buffer.byteLength(text, 'utf8') <= MAX_PLAIN_ID_BYTES) {
    return `${PLAIN_MARK}${text}`
  }
  return `${DIGEST_MARK}${createHash('sha256').update(text, 'utf8').digest('hex')}`
}

/**
 * Escapes a name (a collection or global slug) so that it can sit between `#` separators:
 * `%` and `#` are percent-encoded, which makes the encoding injective and `#`-free.
 */
export function encodeName(name: string): string {
  return name.replace(/%/g, '%25').replace(/#/g, '%23')
}
