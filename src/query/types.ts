import type { FlattenedField, Payload, Where } from 'payload'

/** A document as stored (Payload's shape: localized fields as `{ [locale]: value }`). */
export type Doc = Record<string, unknown>

export type DocID = number | string

/**
 * What the query engine needs from storage to follow relationship paths in a `where`
 * (`author.name equals 'x'`) or a sort (`author.name`). The adapter provides it.
 */
export type RelationLookup = {
  /** The ids of documents of `collection` that match `where` (under the same locale). */
  findIDs: (collection: string, where: Where, locale?: string) => Promise<DocID[]>
  /** Documents of `collection` by id; missing ids are left out. */
  getDocs: (collection: string, ids: DocID[]) => Promise<Doc[]>
}

/** Everything the query engine knows about the set of documents being queried. */
export type QueryScope = {
  /** The flattened fields of the documents (a collection's, or its version fields). */
  fields: FlattenedField[]
  /** Locale of the request; `'all'` / `'*'` / undefined mean no specific locale. */
  locale?: string
  lookup: RelationLookup
  payload: Payload
}
