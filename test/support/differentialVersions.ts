/**
 * `findVersions` for the differential tests' drafts run: a query's `where` asked of the versions
 * (every field under `version.`, and `latest`), in the order of their saves, paged. A version is
 * named by its document's `seq`, its status and whether it is the latest (ids and timestamps
 * differ between databases; the order of one document's saves does not).
 */
import type { Where } from 'payload'

import { type Lane, resolve } from './differential.js'
import type { Query } from './differentialGenerator.js'

/** The same `where` over the versions: `title` → `version.title`; `and` / `or` kept. */
export function overVersions(where: Where): Where {
  return Object.fromEntries(
    Object.entries(where).map(([key, value]) =>
      key === 'and' || key === 'or'
        ? [key, (value as Where[]).map(overVersions)]
        : [`version.${key}`, value],
    ),
  ) as Where
}

export type VersionsQuery = Query & { latestOnly: boolean; newestFirst: boolean }

export function versionsQuery(next: () => number, query: Query): VersionsQuery {
  return { ...query, latestOnly: next() < 0.3, newestFirst: next() < 0.5 }
}

export async function versionsAnswer(lane: Lane, query: VersionsQuery): Promise<string> {
  const where = overVersions(resolve(query.where, lane) as Where)
  try {
    const result = await lane.payload.findVersions({
      collection: 'items',
      depth: 0,
      limit: query.limit === 0 ? 1000 : query.limit,
      locale: query.locale,
      page: query.page,
      // By document, then by save: the saves of one bulk update run at once, so their order
      // (and `updatedAt`) across documents is not the same in two databases.
      sort: query.newestFirst ? ['-version.seq', '-updatedAt'] : ['version.seq', 'updatedAt'],
      where: query.latestOnly ? { and: [where, { latest: { equals: true } }] } : where,
    })
    const named = result.docs.map((doc) => {
      const version = doc.version as { _status?: string }
      return `${lane.seqOf.get(String(doc.parent))}${version._status === 'draft' ? 'd' : 'p'}${doc.latest ? '*' : ''}`
    })
    // Past the last page db-sqlite answers totalDocs 0; the total is not compared there.
    return `${named.length === 0 ? '' : `total ${result.totalDocs}: `}${named.join(',')}`
  } catch (error) {
    return `error ${(error as Error).name}: ${(error as Error).message}`
  }
}
