import type { PaginatedDocs } from 'payload'

/**
 * Cuts one page out of the ordered matches and fills in every `PaginatedDocs` field the way
 * Payload's SQL adapters do: `limit: 0` or `pagination: false` disable counting, an empty result is
 * one page, and `limit` echoes what the caller asked for. `ordered` may hold only the leading
 * matches when `totalDocs` is given.
 */
export function paginate<T>(
  ordered: T[],
  args: { limit?: number; page?: number; pagination?: boolean },
  totalDocs: number = ordered.length,
  /** Position of `ordered[0]` among all matches, when leading matches were not read. */
  orderedOffset = 0,
): PaginatedDocs<T> {
  const page = args.page && args.page > 0 ? args.page : 1
  const limit = args.limit && args.limit > 0 ? args.limit : undefined
  const paginated = args.pagination !== false && limit !== undefined
  const offset = limit ? (page - 1) * limit : 0
  const start = offset - orderedOffset
  const docs = limit ? ordered.slice(start, start + limit) : ordered.slice()

  if (!paginated || totalDocs === 0) {
    return {
      docs,
      hasNextPage: false,
      hasPrevPage: false,
      limit: args.limit ?? 0,
      nextPage: null,
      page,
      pagingCounter: 1,
      prevPage: null,
      totalDocs: docs.length,
      totalPages: 1,
    }
  }
  const totalPages = Math.ceil(totalDocs / limit)
  const hasPrevPage = page > 1
  const hasNextPage = totalPages > page
  return {
    docs,
    hasNextPage,
    hasPrevPage,
    limit,
    nextPage: hasNextPage ? page + 1 : null,
    page,
    pagingCounter: (page - 1) * limit + 1,
    prevPage: hasPrevPage ? page - 1 : null,
    totalDocs,
    totalPages,
  }
}
