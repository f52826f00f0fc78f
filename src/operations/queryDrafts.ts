import type { QueryDrafts, SelectType } from 'payload'

import { combineQueries } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../read/findPage.js'
import { resolveJoins } from '../read/resolveJoins.js'
import { versionsNamespace } from '../namespaces.js'
import { idOfCollection } from '../write/transform/relations.js'

/** The latest version of each document, shaped as the document itself (id = the parent's id). */
export const queryDrafts: QueryDrafts = async function queryDrafts(
  this: DynamoDBAdapter,
  { collection, joins, limit, locale, page, pagination, select, sort, where },
) {
  const result = await findPage(this, versionsNamespace(this, collection), {
    limit,
    locale,
    page,
    pagination,
    select,
    sort,
    where: combineQueries({ latest: { equals: true } }, where ?? {}),
  })
  const docs = result.docs.map((version) => ({
    ...((version.version as Record<string, unknown> | undefined) ?? {}),
    // As the collection stores its ids (versions saved before 2026-12-07 may hold '5' for 5).
    id: idOfCollection(this, collection, version.parent),
  }))
  await resolveJoins(this, {
    collection,
    docs,
    joins,
    locale,
    select: (select as { version?: SelectType } | undefined)?.version,
    versions: true,
  })
  return { ...result, docs } as never
}
