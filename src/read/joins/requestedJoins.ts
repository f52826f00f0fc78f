import type {
  JoinQuery,
  SanitizedCollectionConfig,
  SanitizedJoins,
  SelectType,
  Sort,
  Where,
} from 'payload'

import { getSelectMode } from 'payload/shared'
import { ownValue } from '../../utilities/ownValue.js'

export type SanitizedJoin = SanitizedJoins[string][number]

/** One join field to fill, with the query parameters that apply to it. */
export type RequestedJoin = {
  /** The collections whose documents are listed (several for a polymorphic join). */
  collections: string[]
  count: boolean
  join: SanitizedJoin
  /** `0` lists every match. */
  limit: number
  page: number
  /** `collection: [...]`: results are `{ relationTo, value }` and ordered across collections. */
  polymorphic: boolean
  sort?: Sort
  where?: Where
}

type JoinParams = { count?: boolean; limit?: number; page?: number; sort?: Sort; where?: Where }

/**
 * The joins of `config` to resolve for `joins` (Payload's `JoinQuery`). `false` resolves none, an
 * entry set to `false` skips that join, a missing entry (or a missing `joins`) uses the field's
 * defaults. The field's own `where` is always applied: Payload's `sanitizeJoinQuery` has usually
 * folded it into the entry already, and applying a condition twice changes nothing.
 */
export function requestedJoins(
  config: SanitizedCollectionConfig,
  joins: JoinQuery | undefined,
  select?: SelectType,
): RequestedJoin[] {
  if (joins === false) {
    return []
  }
  const params = (joins ?? {}) as Record<string, false | JoinParams | undefined>
  const all: SanitizedJoin[] = [
    ...Object.values(config.joins ?? {}).flat(),
    ...(config.polymorphicJoins ?? []),
  ]
  const requested: RequestedJoin[] = []
  for (const join of all) {
    const entry = params[join.joinPath]
    if (entry === false || !isSelected(select, join.joinPath)) {
      continue
    }
    const query: JoinParams = entry ?? {}
    const { field } = join
    const limit =
      toNonNegativeInteger(query.limit) ?? toNonNegativeInteger(field.defaultLimit) ?? 10
    const page = Math.max(1, toNonNegativeInteger(query.page) ?? 1)
    requested.push({
      collections: Array.isArray(field.collection) ? [...field.collection] : [field.collection],
      count: query.count === true || (query.count as unknown) === 'true',
      join,
      limit,
      page,
      polymorphic: Array.isArray(field.collection),
      sort: query.sort || field.defaultSort || undefined,
      where: withFieldWhere(query.where, field.where),
    })
  }
  return requested
}

function toNonNegativeInteger(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') {
    return undefined
  }
  const number = Number(value)
  return Number.isFinite(number) && number >= 0 ? Math.floor(number) : undefined
}

function nonEmpty(where: undefined | Where): undefined | Where {
  return where && Object.keys(where).length > 0 ? where : undefined
}

function withFieldWhere(
  requested: undefined | Where,
  fieldWhere: undefined | Where,
): undefined | Where {
  const where = nonEmpty(requested)
  const own = nonEmpty(fieldWhere)
  if (!where || !own) {
    return where ?? own
  }
  // Already combined by sanitizeJoinQuery: `{ and: [requested, field.where] }`.
  if (where === own || (Array.isArray(where.and) && where.and.includes(own))) {
    return where
  }
  return { and: [where, own] }
}

/** Whether `select` keeps the value at `path` (a join path through groups and named tabs). */
export function isSelected(select: SelectType | undefined, path: string): boolean {
  if (!select) {
    return true
  }
  const mode = getSelectMode(select)
  let level: unknown = select
  for (const segment of path.split('.')) {
    if (typeof level !== 'object' || level === null) {
      // An ancestor was selected (`true`) as a whole, or excluded as a whole.
      return mode === 'include' ? level === true : level !== false
    }
    level = ownValue(level, segment)
    if (level === undefined) {
      return mode === 'exclude'
    }
  }
  if (mode === 'include') {
    return level === true || (typeof level === 'object' && level !== null)
  }
  return level !== false
}
