import type { JoinQuery, SelectType } from 'payload'

import type { Doc, DocID } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'
import type { JoinedDocument } from './joins/findJoined.js'
import type { JoinValue } from './joins/placeJoinValue.js'
import type { RequestedJoin } from './joins/requestedJoins.js'

import { getCollectionConfig } from '../namespaces.js'
import { idKey } from './joins/fieldPaths.js'
import { createJoinContext, findJoinedDocuments, localeVariants } from './joins/findJoined.js'
import { placeJoinValue } from './joins/placeJoinValue.js'
import { requestedJoins } from './joins/requestedJoins.js'

export type ResolveJoinsArgs = {
  collection: string
  /** The documents to fill (already selected); join values are written into them. */
  docs: Doc[]
  /**
   * `find`/`findOne`'s `draftsEnabled`: joined collections that have drafts list their latest
   * drafts instead of their published documents (as db-mongodb and Drizzle do).
   */
  draftsEnabled?: boolean
  joins?: JoinQuery
  locale?: string
  /**
   * The `select` the documents were read with, shaped like the documents (for `queryDrafts`,
   * Payload's `select.version`): joins it leaves out are not resolved.
   */
  select?: SelectType
  /** The documents are drafts (`queryDrafts`); their `id` is the id of the document itself. */
  versions?: boolean
}

/**
 * Fills the join fields of `docs` (`{ docs, hasNextPage, totalDocs? }` at each join path).
 * Each join is resolved for all documents at once: a joined collection is queried once for all the
 * parents (its `on` field in their ids; joins on the same field share the read), the join's `where`
 * and `sort` are applied to what was found, and the documents are grouped by the parent they
 * point at.
 */
export async function resolveJoins(
  adapter: DynamoDBAdapter,
  args: ResolveJoinsArgs,
): Promise<void> {
  const { collection, docs, joins, locale, select } = args
  if (joins === false || docs.length === 0) {
    return
  }
  const config = getCollectionConfig(adapter, collection)
  const requested = requestedJoins(config, joins, select)
  if (requested.length === 0) {
    return
  }
  const parents = docs.filter((doc) => doc.id !== undefined && doc.id !== null)
  if (parents.length === 0) {
    return
  }
  const parentIDs = [
    ...new Map(parents.map((doc) => [idKey(doc.id as DocID), doc.id as DocID])).values(),
  ]
  const context = createJoinContext(
    adapter,
    parentIDs,
    Boolean(args.versions || args.draftsEnabled),
  )

  await Promise.all(
    requested.map(async (request) => {
      for (const variant of localeVariants(adapter.payload, request.join, locale)) {
        const groups = await findJoinedDocuments(context, collection, request, variant)
        for (const parent of parents) {
          const value = pageOf(groups.get(idKey(parent.id as DocID)) ?? [], request)
          placeJoinValue(
            parent,
            config.flattenedFields,
            request.join.joinPath,
            value,
            variant.placeLocale,
          )
        }
      }
    }),
  )
}

/** One parent's page of a join: ids (or `{ relationTo, value }` across collections). */
function pageOf(all: JoinedDocument[], request: RequestedJoin): JoinValue {
  const { count, limit, page, polymorphic } = request
  const skip = limit > 0 ? (page - 1) * limit : 0
  const slice = limit > 0 ? all.slice(skip, skip + limit) : all
  const value: JoinValue = {
    docs: slice.map((entry) =>
      polymorphic ? { relationTo: entry.relationTo, value: entry.id } : entry.id,
    ),
    hasNextPage: limit > 0 && all.length > skip + limit,
  }
  if (count) {
    value.totalDocs = all.length
  }
  return value
}
