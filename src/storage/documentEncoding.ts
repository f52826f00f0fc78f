import type { FlattenedField } from 'payload'

import { ValidationError } from 'payload'
import { randomUUID } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'

import type { ItemKey } from '../keys/itemKeys.js'

import { sizeAtMost } from './itemSize.js'
import { mapStorable } from './mapStorable.js'
import { toStorable } from './toStorable.js'

/**
 * How a document is laid out in items. DynamoDB caps an item at 400 KB; Payload has no such cap.
 * - Most documents: the item holds the document as a map under `doc` (queryable attribute by
 *   attribute, e.g. by FilterExpression pushdown).
 * - A document larger than `INLINE_BYTES` (as DynamoDB counts it: itemSize.ts), or that DynamoDB cannot hold as a map
 *   (nested too deep, an empty key, a number out of its range: mapStorable.ts): the item has NO
 *   `doc`; it holds the gzipped JSON under `z` (binary), `zparts` (how many items hold it) and
 *   `zid` (which write encoded it). When the gzipped JSON is larger than `PART_BYTES`, the rest is
 *   split over part items in the same partition (`P#<document sk>#<n>`, never read as documents:
 *   those are `D#...`), each with the same `zid`, written in the same transaction as the head
 *   item.
 * The bookkeeping attributes (`rev`, `w`) stay on the head item whatever the layout.
 */

/** Above this many bytes of JSON a document is stored gzipped (room left for keys and `w`). */
export const INLINE_BYTES = 350_000
/** Gzipped bytes per item. */
export const PART_BYTES = 350_000
/**
 * The most gzipped bytes one document may take: one transaction carries 4 MB, and the same
 * transaction also writes the document's index entries, markers and counter.
 */
export const MAX_ENCODED_BYTES = 3_500_000

/** The prefix of part items' sort keys (documents' are `D#`). */
export const PART_SK_PREFIX = 'P#'

export type EncodedDocument = {
  /** The item at the document's key (without `rev`/`w`, which the writer adds). */
  head: Record<string, unknown>
  /** The other items holding the document, when it is split. */
  parts: Record<string, unknown>[]
}

/** Who a document is, for the error when it cannot be stored. */
export type DocumentOwner = {
  collection?: string
  /** Whether the document is stored already (an update), or new (its id is not yet Payload's). */
  existing?: boolean
  /** A stored path as Payload names the field (no locale, no `version.`), for errors. */
  fieldPath?: (storedPath: string) => string
  /** The namespace's fields: an error names a field, never a key inside a field's value. */
  fields?: FlattenedField[]
  global?: string
  id: unknown
}

export function partKey(key: ItemKey, index: number): ItemKey {
  return { pk: key.pk, sk: `${PART_SK_PREFIX}${key.sk}#${String(index).padStart(4, '0')}` }
}

/** The keys of a document's part items (none for a single item). */
export function partKeys(key: ItemKey, parts: number): ItemKey[] {
  return Array.from({ length: Math.max(0, parts - 1) }, (_, index) => partKey(key, index + 1))
}

/** Whether an item holds its document gzipped under `z` rather than as a map under `doc`. */
export function isEncoded(item: Record<string, unknown>): boolean {
  return item.doc === undefined && item.z !== undefined
}

/** How many items hold the document of a head item (1 unless it is split). */
export function partCountOf(item: Record<string, unknown>): number {
  return typeof item.zparts === 'number' && item.zparts > 1 ? item.zparts : 1
}

/** Lays out a storable document (see `toStorable`) in one or more items. */
export function encodeDocument(
  key: ItemKey,
  doc: Record<string, unknown>,
  owner: DocumentOwner,
): EncodedDocument {
  const json = JSON.stringify(doc)
  const jsonBytes = Buffer.byteLength(json, 'utf8')
  // DynamoDB's count of the map, not the JSON's length, must stay under the item's limit.
  const inline =
    jsonBytes <= INLINE_BYTES && sizeAtMost(doc, jsonBytes, INLINE_BYTES / 2) <= INLINE_BYTES
  if (inline && mapStorable(doc)) {
    return { head: { ...key, doc }, parts: [] }
  }
  const zipped = gzipSync(json)
  if (zipped.length > MAX_ENCODED_BYTES) {
    throw tooLarge(owner, doc, zipped.length)
  }
  const chunks: Buffer[] = []
  for (let start = 0; start < zipped.length; start += PART_BYTES) {
    chunks.push(zipped.subarray(start, start + PART_BYTES))
  }
  const zid = randomUUID()
  return {
    head: { ...key, z: chunks[0], zid, zparts: chunks.length },
    parts: chunks.slice(1).map((chunk, index) => ({ ...partKey(key, index + 1), z: chunk, zid })),
  }
}

/**
 * The document of an encoded head item from its parts (in order), or undefined when a part is
 * missing or was written by another write than the head (read while a writer replaced them).
 */
export function decodeDocument(
  head: Record<string, unknown>,
  parts: (Record<string, unknown> | undefined)[],
): Record<string, unknown> | undefined {
  const chunks = [head, ...parts].map((item) =>
    item && item.zid === head.zid && item.z instanceof Uint8Array ? item.z : undefined,
  )
  if (chunks.some((chunk) => chunk === undefined)) {
    return undefined
  }
  const json = gunzipSync(Buffer.concat(chunks as Uint8Array[])).toString('utf8')
  return JSON.parse(json) as Record<string, unknown>
}

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(2)} MB`

/**
 * The paths of the largest fields of `doc`, descending into a group (or named tab) that holds
 * most of it; never into another field's value (a json key is no path the admin can show).
 */
function largestFields(
  doc: Record<string, unknown>,
  fields: FlattenedField[] | undefined,
  prefix = '',
): [string, number][] {
  const sizes = Object.entries(doc)
    .map(([name, value]): [string, number] => [
      `${prefix}${name}`,
      Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8'),
    ])
    .sort((a, b) => b[1] - a[1])
  const total = sizes.reduce((sum, [, size]) => sum + size, 0)
  const [first] = sizes
  const name = first?.[0].slice(prefix.length)
  const value = name === undefined ? undefined : doc[name]
  const field = fields?.find((each) => 'name' in each && each.name === name)
  if (
    first &&
    first[1] > total * 0.8 &&
    field &&
    (field.type === 'group' || field.type === 'tab') &&
    // A localized group's value is its locales' values: the group is the path to name.
    !('localized' in field && field.localized) &&
    value &&
    typeof value === 'object' &&
    !Array.isArray(value)
  ) {
    return largestFields(value as Record<string, unknown>, field.flattenedFields, `${first[0]}.`)
  }
  // The three largest, leaving out what holds little of it (an id beside an 8 MB field).
  return sizes.slice(0, 3).filter(([, size], index) => index === 0 || size >= total * 0.05)
}

function tooLarge(owner: DocumentOwner, doc: Record<string, unknown>, zipped: number) {
  const what = owner.global
    ? `The global "${owner.global}"`
    : owner.existing === false || owner.id === undefined
      ? `A new document of collection "${owner.collection}"`
      : `Document ${String(owner.id)} of collection "${owner.collection}"`
  const fields = largestFields(doc, owner.fields).map(([path, size]): [string, number] => [
    owner.fieldPath?.(path) ?? path,
    size,
  ])
  const list = fields.map(([path, size]) => `${path} (${megabytes(size)})`).join(', ')
  return new ValidationError({
    collection: owner.collection,
    errors: fields.map(([path]) => ({
      message: `${what} is too large for DynamoDB: ${megabytes(zipped)} compressed, over the ${megabytes(MAX_ENCODED_BYTES)} one transaction can write. Its largest fields: ${list}. Store large content elsewhere (e.g. an upload) and keep a reference.`,
      path,
    })),
    global: owner.global,
    id: owner.existing === false ? undefined : (owner.id as number | string | undefined),
  })
}

/**
 * The document as DynamoDB stores it (toStorable.ts); a value refused at its stored path (`n.en`)
 * is named as Payload names the field (`owner.fieldPath`).
 */
export function storableDocument(
  doc: Record<string, unknown>,
  owner: DocumentOwner,
): Record<string, unknown> {
  try {
    return toStorable(doc) as Record<string, unknown>
  } catch (error) {
    if (!(error instanceof ValidationError) || !owner.fieldPath) {
      throw error
    }
    const { fieldPath } = owner
    throw new ValidationError({
      collection: owner.collection,
      errors: error.data.errors.map((each) => ({ ...each, path: fieldPath(each.path) })),
      global: owner.global,
      id: owner.existing === false ? undefined : (owner.id as number | string | undefined),
    })
  }
}
