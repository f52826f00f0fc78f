import { isDate } from 'node:util/types'

import { createHash } from 'node:crypto'
import { APIError } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { IndexDefinition, IndexPart } from './definitions.js'
import type { IndexPath } from './definitionTypes.js'

import { encodeName } from '../keys/encoding.js'
import { entryTooLong, keyedID, MAX_SORT_KEY_BYTES } from './keyLimits.js'
import { encodeOrderedValue, type IndexableValue, VALUE_TERMINATOR } from '../keys/orderedValue.js'
import { valuesAtPath } from '../utilities/valuesAtPath.js'
import { fittingValues } from './storedKinds.js'

/**
 * The most entries a document has in one index (and locale); `PAYLOAD_DYNAMODB_MAX_ENTRIES`
 * lowers it (tests). Each is an entry and a value count; a document whose own items do not fit
 * one transaction is written in several requests under the commit journal (write/splitGroup.ts).
 * A document with more values has instead one overflow entry, in the index's overflow partition
 * (`overflowPartition`), and no counts there. A query that read such an index looks there after,
 * and while the index holds an overflowing document it reads the collection instead
 * (read/overflowingIndexes.ts): a document is never missing from an answer.
 */
export function maxEntriesPerIndex(): number {
  const configured = Number(process.env.PAYLOAD_DYNAMODB_MAX_ENTRIES)
  return Number.isInteger(configured) && configured > 0 ? configured : MAX_ENTRIES_PER_INDEX
}

export const MAX_ENTRIES_PER_INDEX = 1_000

/**
 * The limit of versions before 2026-12-05: a document stored by them with more values in one
 * index has an overflow entry instead of entries and counts (see `legacyOverflows`).
 */
export const LEGACY_ENTRIES_PER_INDEX = 40

/**
 * Stored documents known to have an overflow entry in some indexes (`<index>\u0000<locale>`)
 * although they have fewer values than `maxEntriesPerIndex()`: written by an earlier version.
 * Their entries there are that overflow entry and they count in none of its values, until a write
 * replaces it (write/legacyOverflows.ts finds them before a write).
 */
const legacyOverflows = new WeakMap<Doc, Set<string>>()

export const overflowKey = (definition: IndexDefinition, locale: string | undefined): string =>
  `${definition.name}\u0000${locale ?? ''}`

/** Whether `doc` was noted to hold an overflow entry an earlier version wrote. */
export function hasLegacyOverflow(doc: Doc | null | undefined): boolean {
  return doc ? legacyOverflows.has(doc) : false
}

/** Notes what a look found for `doc` (nothing: it has no overflow entry of an earlier version). */
export function noteLegacyOverflow(doc: Doc, keys: Set<string>): void {
  if (keys.size > 0) {
    legacyOverflows.set(doc, keys)
  } else {
    legacyOverflows.delete(doc)
  }
}

/** How many entries a document has in one index and locale (before any limit). */
export function combinationCount(
  doc: Doc,
  definition: IndexDefinition,
  locale: string | undefined,
): number {
  return definition.parts.reduce(
    (product, part) =>
      product *
      new Set((partValues(doc, part, locale) ?? [null]).map((value) => encodePart(part, value)))
        .size,
    1,
  )
}

/**
 * The most combinations of values one document may have in one unique compound index (the
 * product of its parts' value counts), beyond which they are not even enumerated: each needs a
 * marker, so past it a write is refused.
 */
export const MAX_COMBINATIONS_PER_INDEX = 10_000

function tooManyCombinations(definition: IndexDefinition, count: number): APIError {
  return new APIError(
    `A document would have ${count} or more combinations of values in the unique index ${definition.name} (at most ${MAX_COMBINATIONS_PER_INDEX}: every value of each of its fields with every value of the others). Nothing was written: store fewer values in those fields, or index them separately.`,
    400,
  )
}

/** Every combination of `choices` (one of each, in order), refused past the cap. */
function combine(definition: IndexDefinition, choices: string[][]): string[] {
  let combos = ['']
  for (const values of choices) {
    if (combos.length * values.length > MAX_COMBINATIONS_PER_INDEX) {
      throw tooManyCombinations(definition, combos.length * values.length)
    }
    combos = combos.flatMap((prefix) => values.map((value) => prefix + value))
  }
  return combos
}

/**
 * One index entry. Its sort key is the encoded value(s), then the document's `createdAt`, then the
 * id: the entries of one value come out of DynamoDB newest first (or oldest), so a filtered list in
 * the default order reads only its page. `c` repeats `createdAt` (epoch ms) for readers.
 */
export type IndexEntry = { c?: number; id: number | string; pk: string; sk: string }

/**
 * Version of the entry key layout, part of every index signature: an index written with another
 * layout is rebuilt (see buildState.ts). 2: createdAt between the values and the id, plus
 * per-value counters.
 */
export const ENTRY_LAYOUT = 2

/** The key component after the values: the document's createdAt (null when it has none). */
export function createdKeyPart(created: number | undefined): string {
  return `${encodeOrderedValue(created === undefined ? null : created)}${VALUE_TERMINATOR}`
}

/**
 * The partition of one index's overflow entries: one per document with more than
 * `maxEntriesPerIndex()` entries in it, keyed by id (`X`, beside the entries' `I`).
 */
export function overflowPartition(
  namespace: Namespace,
  definition: IndexDefinition,
  locale?: string,
): string {
  return `${namespace.pk}#X#${encodeName(definition.name)}${locale ? `#${encodeName(locale)}` : ''}`
}

/** Whether a partition key is an overflow partition's (`<namespace>#X#...`). */
export function isOverflowPartition(pk: string): boolean {
  return /^[^#]+#[^#]+#X#/.test(pk)
}

/** The partition of one index (per locale for localized fields). */
export function indexPartition(
  namespace: Namespace,
  definition: IndexDefinition,
  locale?: string,
): string {
  return `${namespace.pk}#I#${encodeName(definition.name)}${locale ? `#${encodeName(locale)}` : ''}`
}

/** The partition of a unique index's markers. */
export function uniquePartition(
  namespace: Namespace,
  definition: IndexDefinition,
  locale?: string,
): string {
  return `${namespace.pk}#U#${encodeName(definition.name)}${locale ? `#${encodeName(locale)}` : ''}`
}

/** The id as the last part of an index key: verbatim when short, else its digest. */
export function idKeyPart(id: number | string): string {
  const text = String(id)
  return Buffer.byteLength(text, 'utf8') <= 200
    ? `=${text}`
    : `~${createHash('sha256').update(text, 'utf8').digest('hex')}`
}

/** A stored or queried value in the form an index orders it by. */
export function normalizeIndexValue(
  part: Pick<IndexPart, 'kind' | 'maxText'>,
  value: unknown,
): IndexableValue {
  if (value === undefined || value === null || value === '') {
    return value === '' && part.kind === 'text' ? '' : null
  }
  switch (part.kind) {
    case 'boolean':
      return value === true || value === 'true'
    case 'date': {
      const time = isDate(value) ? value.getTime() : Date.parse(String(value))
      return Number.isFinite(time) ? time : null
    }
    case 'number': {
      const number = typeof value === 'number' ? value : Number(value)
      return Number.isFinite(number) ? number : null
    }
    case 'point': {
      // Stored as GeoJSON (`{ type: 'Point', coordinates }`); older data may hold the bare pair. // A point is one value (its coordinates), not two numbers.
      const coordinates = Array.isArray(value)
        ? value
        : (value as { coordinates?: unknown }).coordinates
      return Array.isArray(coordinates) ? JSON.stringify(coordinates) : null
    }
    case 'polymorphic': {
      const ref = value as { relationTo?: unknown; value?: unknown }
      const target =
        typeof ref.value === 'object' && ref.value ? (ref.value as { id?: unknown }).id : ref.value
      return typeof ref.relationTo === 'string' && target !== undefined && target !== null
        ? keyedID(JSON.stringify([ref.relationTo, String(target)]))
        : null
    }
    case 'relationship': {
      // Ids are indexed as text, so `'5'` from a URL finds the document related to `5`.
      const id =
        typeof value === 'object' && value && 'id' in value ? (value as { id: unknown }).id : value
      return typeof id === 'number' || typeof id === 'string' ? keyedID(String(id)) : null
    }
    default:
      if (typeof value === 'number') {
        return String(value)
      }
      return typeof value === 'string' ? cutText(value, part.maxText) : null
  }
}

/**
 * The first `maxText` UTF-16 units of a text, one more when the cut would split a surrogate pair:
 * DynamoDB takes keys as UTF-8, which has no form for half a pair (DynamoDB Local sorts it as
 * U+FFFD, past texts it precedes). The length depends only on the units before the cut, so texts
 * keep their order: `a <= b` gives `cut(a) <= cut(b)`.
 */
function cutText(value: string, maxText: number): string {
  const last = value.charCodeAt(maxText - 1)
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? maxText + 1 : maxText)
}

/** The encoded key part of one value (value + terminator). */
export function encodePart(part: Pick<IndexPart, 'kind' | 'maxText'>, value: unknown): string {
  return `${encodeOrderedValue(normalizeIndexValue(part, value))}${VALUE_TERMINATOR}`
}

/**
 * A part's values in `doc` ([null] when it has none), or undefined when one is stored in
 * another type than the part keys (storedKinds.ts: the field's type changed since it was saved).
 */
export function partValues(
  doc: Doc,
  part: IndexPart,
  locale: string | undefined,
): unknown[] | undefined {
  const values = fittingValues(part, storedValues(doc, part, locale))?.filter(
    (value) => value !== undefined,
  )
  return values === undefined ? undefined : values.length > 0 ? values : [null]
}

/** The values stored at the part's paths in `locale`, as found (undefined where absent). */
export function storedValues(doc: Doc, part: IndexPart, locale: string | undefined): unknown[] {
  return [part, ...(part.alsoAt ?? [])].flatMap((at) =>
    valuesAtPath(doc, storedPath(part, at, locale), false),
  )
}

/** Where one of the part's paths (`at`) is stored in `locale`. */
export function storedPath(part: IndexPart, at: IndexPath, locale: string | undefined): string {
  // Without localization in the config, `localized: true` fields are stored plainly.
  return part.localized && locale ? at.localizedPath.replace(/<locale>/g, locale) : at.path
}

/**
 * Every combination of the parts' values, encoded: one entry each; undefined when there are more
 * than `maxEntriesPerIndex()` (the document overflows the index; they are not enumerated), or
 * when it was stored with an overflow entry by an earlier version (`legacyOverflows`).
 */
function encodedCombinations(
  doc: Doc,
  definition: IndexDefinition,
  locale: string | undefined,
): string[] | undefined {
  const values = definition.parts.map((part) => partValues(doc, part, locale))
  if (values.some((each) => each === undefined)) {
    return undefined
  }
  const choices = definition.parts.map((part, i) => [
    ...new Set((values[i] as unknown[]).map((value) => encodePart(part, value))),
  ])
  const count = choices.reduce((product, each) => product * each.length, 1)
  const legacy = legacyOverflows.get(doc)?.has(overflowKey(definition, locale))
  return count > maxEntriesPerIndex() || legacy ? undefined : combine(definition, choices)
}

/**
 * The locales an index has entries for (undefined: one, unlocalized partition): those its
 * definition names, so that a process whose config lacks a locale that another process's build
 * added still maintains it (definitions recorded before they named locales: the config's).
 */
export function localesFor(definition: IndexDefinition, locales: string[]): (string | undefined)[] {
  if (!definition.parts.some((part) => part.localized)) {
    return [undefined]
  }
  const own = definition.locales ?? locales
  return own.length > 0 ? own : [undefined]
}

/** The index entries a document has in every index of its namespace. */
export function indexEntries(
  namespace: Namespace,
  definitions: IndexDefinition[],
  locales: string[],
  doc: Doc,
): IndexEntry[] {
  const id = doc.id as number | string
  const created = typeof doc.createdAt === 'string' ? Date.parse(doc.createdAt) : Number.NaN
  const entries: IndexEntry[] = []
  for (const definition of definitions) {
    if (definition.onlyLatest && doc.latest !== true) {
      continue
    }
    for (const locale of localesFor(definition, locales)) {
      const values = encodedCombinations(doc, definition, locale)
      if (values === undefined) {
        entries.push({
          id,
          pk: overflowPartition(namespace, definition, locale),
          sk: idKeyPart(id),
        })
        continue
      }
      for (const value of values) {
        const sk =
          value + createdKeyPart(Number.isFinite(created) ? created : undefined) + idKeyPart(id)
        if (Buffer.byteLength(sk, 'utf8') > MAX_SORT_KEY_BYTES) {
          throw entryTooLong(namespace, definition, id, sk)
        }
        const entry: IndexEntry = { id, pk: indexPartition(namespace, definition, locale), sk }
        if (Number.isFinite(created)) {
          entry.c = created
        }
        entries.push(entry)
      }
    }
  }
  return entries
}

/** A value as a unique index compares it (texts exactly, others normalized). */
export function uniqueValue(part: IndexPart, value: unknown): IndexableValue {
  return part.kind === 'text' && typeof value === 'string'
    ? value
    : normalizeIndexValue(part, value)
}

export type UniqueMarker = {
  definition: IndexDefinition
  id: number | string
  pk: string
  sk: string
}

/** The uniqueness markers a document holds: one per unique index (and locale) with a value. */
export function uniqueMarkers(
  namespace: Namespace,
  definitions: IndexDefinition[],
  locales: string[],
  doc: Doc,
): UniqueMarker[] {
  const id = doc.id as number | string
  const markers: UniqueMarker[] = []
  for (const definition of definitions.filter((each) => each.unique)) {
    for (const locale of localesFor(definition, locales)) {
      // Every combination of values holds a marker: a hasMany value can belong to one document only.
      const combos = combine(
        definition,
        definition.parts.map((part) => [
          ...new Set(
            // A value stored in another type holds no marker: the documents never compare it
            // equal to a value of the field's type.
            (partValues(doc, part, locale) ?? [])
              .map((value) => uniqueValue(part, value))
              // As in SQL (and MongoDB), a missing value never conflicts; an empty text is a value.
              .filter((value) => value !== null)
              .map((value) => `${encodeOrderedValue(value)}${VALUE_TERMINATOR}`),
          ),
        ]),
      )
      for (const full of combos) {
        // Text is not truncated here (two long values must not clash); a long key becomes a digest.
        const sk =
          Buffer.byteLength(full, 'utf8') <= 800
            ? full
            : `#${createHash('sha256').update(full, 'utf8').digest('hex')}`
        markers.push({ definition, id, pk: uniquePartition(namespace, definition, locale), sk })
      }
    }
  }
  return markers
}
