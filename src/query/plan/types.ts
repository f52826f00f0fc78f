import type { IndexDefinition } from '../../indexes/definitionTypes.js'
import type { DocID } from '../types.js'

/** A range of an index's sort keys (both ends inclusive; the evaluator trims the edges). */
export type KeyRange = { from: string; to: string }

/** The key components (split at the value terminator) that order an index read. */
export type KeyOrdering = { from: number; to: number }

/** Reads of one index partition that together yield every candidate document. */
export type IndexRead = {
  definition: IndexDefinition
  locale?: string
  /** The partition key of the index (per locale for localized fields). */
  pk: string
  /** Each range holds one value of the index's first part (from `equals` / `in`). */
  points?: boolean
  ranges: KeyRange[]
}

export type Plan =
  /** Fetch by key: the query pins the ids. */
  | { ids: DocID[]; kind: 'byID' }
  /**
   * Candidates from index ranges. When `ordered`, the index order is the query's sort order, so
   * reading can stop once the page is complete; `exactCount` says that every entry in the
   * ranges is a match, so the total can be counted from the index alone.
   */
  | {
      descending: boolean
      exactCount: boolean
      kind: 'index'
      ordered: boolean
      /**
       * For ordered plans: which components of an entry's key (values, then createdAt) give the
       * order, `[from, to)`. Components before `from` are the same throughout each key range.
       */
      ordering?: KeyOrdering
      reads: IndexRead[]
      /**
       * An unordered plan may carry the alternative of walking an index on the sort field in
       * order, checking each document, when that reads fewer documents than its candidates
       * (weighed with their count, see read/weighPlan.ts).
       */
      sortWalk?: IndexRead
      /**
       * A read whose entries are exactly the matches (the `equals`/`in` of the only condition):
       * the total of a plan that walks another index is counted from it.
       */
      countRead?: IndexRead
      /** For a walk: the share of its entries expected to match (sizes its reads). */
      matchRate?: number
      /**
       * Plans over the query's other equalities (on other fields), when there are several: the
       * reader counts each one's entries and reads the one expected to cost least.
       */
      alternatives?: IndexPlan[]
    }
  /**
   * Nothing can match (an empty `in`, contradicting conditions on one field): the answer is
   * empty and no request is made. `reason` says which condition rules everything out.
   */
  | { kind: 'empty'; path?: string; reason: string }
  /** Every document of the namespace (one partition), in id order when `ordered`. */
  | {
      descending: boolean
      /** Answered from the namespace's documents held in memory (read/snapshots.ts). */
      held?: boolean
      kind: 'partition'
      ordered: boolean
      /** Why no index serves it, and the field an index would serve, for the fallback log. */
      reason?: string
      suggestedIndex?: string
    }

/** A plan that reads index ranges. */
export type IndexPlan = Extract<Plan, { kind: 'index' }>
