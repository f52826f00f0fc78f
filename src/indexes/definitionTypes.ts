/** The shape of index definitions: a leaf module, so plan types can name them without import circles. */

/** How an index turns a field's values into ordered key parts. */
export type IndexValueKind =
  'boolean' | 'date' | 'number' | 'point' | 'polymorphic' | 'relationship' | 'text'

/** Where a part's values are: as a `where` names it, and as stored (`<locale>` for the locale). */
export type IndexPath = { localizedPath: string; path: string }

/** One field of an index. */
export type IndexPart = {
  kind: IndexValueKind
  /** Whether the stored value is `{ [locale]: value }` somewhere along the path. */
  localized: boolean
  /** The stored path, `<locale>` standing for the locale segment when localized. */
  localizedPath: string
  /** The path as a `where` or `sort` names it. */
  path: string
  /** Characters of a text value kept in keys (sort keys cap at 1024 bytes, shared by all parts). */
  maxText: number
  /** hasMany, or inside an array/blocks: several values per document. */
  multiValued: boolean
  /**
   * Further paths whose values the part holds too: a unique field of a block type that several
   * blocks fields use (db-sqlite keeps a block type's rows in one table, its unique constraint
   * spanning them all). Part of the signature when present.
   */
  alsoAt?: IndexPath[]
  /**
   * A polymorphic `.value` reaching a collection with text ids: ids are keyed as text (9 and '9'
   * share a key) while a query compares each in its own collection's id type, so its entries are
   * candidates only (the evaluator decides), never counted as matches. Not part of the
   * signature: the keys are the same either way.
   */
  candidatesOnly?: boolean
}

/** An index kept beside the documents of one namespace. */
export type IndexDefinition = {
  /** Stable name used in keys: the paths joined with `+`. */
  name: string
  parts: IndexPart[]
  unique: boolean
  /** For an index with a localized part: the config's locale codes, sorted. */
  locales?: string[]
  /**
   * Entries for latest versions only (`latest: true`): a list of drafts filtered on the field
   * (`queryDrafts`) reads and counts its matches alone. Read only by queries that require
   * `latest equals true`.
   */
  onlyLatest?: true
}
