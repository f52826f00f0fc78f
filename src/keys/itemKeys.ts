import { encodeID, encodeName } from './encoding.js'

/**
 * The kinds of item the table holds. Each kind owns one partition-key prefix, so no user value can
 * make an item of one kind look like an item of another. See docs/design.md.
 */
export type NamespaceKind = 'collection' | 'global' | 'globalVersions' | 'latest' | 'versions'

const KIND_PREFIX: Record<NamespaceKind, string> = {
  collection: 'C',
  global: 'G',
  globalVersions: 'GV',
  /** Per parent, the id of its latest version: what concurrent version writes serialize on. */
  latest: 'L',
  versions: 'V',
}

export type ItemKey = { pk: string; sk: string }

/** The partition that holds every document of one collection (or versions, globals, ...). */
export function partitionKey(kind: NamespaceKind, slug: string): string {
  return `${KIND_PREFIX[kind]}#${encodeName(slug)}`
}

/** The key of one document. */
export function documentKey(kind: NamespaceKind, slug: string, id: number | string): ItemKey {
  return { pk: partitionKey(kind, slug), sk: `D#${encodeID(id)}` }
}

/** Sort-key prefix shared by every document item in a partition. */
export const DOCUMENT_SK_PREFIX = 'D#'

/** The single item that holds a global's document. */
export function globalKey(slug: string): ItemKey {
  return { pk: partitionKey('global', slug), sk: 'D#global' }
}
