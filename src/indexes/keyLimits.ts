import { createHash } from 'node:crypto'
import { ValidationError } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { IndexDefinition } from './definitions.js'

/**
 * The longest related id an index holds verbatim: an entry's key (at most 1024 bytes) holds at
 * least 8 more (the value's tag and terminator, the created time's, the document id's), so no
 * longer id ever fitted one and keying it by a digest changes no stored entry.
 */
const LONGEST_PLAIN_RELATED_ID = 1016

/** How `keyedID` writes a digest: NUL, `~`, and the sha256 in hex. */
const DIGEST_PREFIX = '\u0000~'
const isDigestForm = (text: string): boolean =>
  text.startsWith(DIGEST_PREFIX) && /^[0-9a-f]{64}$/.test(text.slice(DIGEST_PREFIX.length))

/**
 * A related id as an index holds it: verbatim, or a digest (NUL-led) when it could not fit a key.
 * An id that is itself written like a digest (a custom text id may be) is keyed by its own
 * digest, so no id reads like another's; other ids, NUL-led ones included, keep the keys earlier
 * versions gave them. Indexes never order by related ids (the planner does not ask them), and a
 * digest is a candidate the documents decide.
 */
export function keyedID(text: string): string {
  return Buffer.byteLength(text, 'utf8') <= LONGEST_PLAIN_RELATED_ID && !isDigestForm(text)
    ? text
    : `${DIGEST_PREFIX}${createHash('sha256').update(text, 'utf8').digest('hex')}`
}

/** DynamoDB's limit on a sort key, in UTF-8 bytes. */
export const MAX_SORT_KEY_BYTES = 1024

/** The values of one document do not fit an entry's key (long related ids in a compound index). */
export function entryTooLong(
  namespace: Namespace,
  definition: IndexDefinition,
  id: number | string,
  sk: string,
): ValidationError {
  const paths = definition.parts.map((part) => part.path)
  return new ValidationError({
    collection: namespace.kind === 'collection' ? namespace.slug : undefined,
    errors: [
      {
        message: `The value of ${paths.join(' and ')} in document ${String(id)} is too long for the index "${definition.name}": DynamoDB keys hold at most ${MAX_SORT_KEY_BYTES} bytes, this one needs ${Buffer.byteLength(sk, 'utf8')}. Shorten the value (or the related document's id), or remove the field from the index.`,
        path: paths[0] ?? '',
      },
    ],
  })
}
