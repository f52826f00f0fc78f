import type { FlattenedField, SelectType, Sort, Where } from 'payload'

import { getSelectMode } from 'payload/shared'

import { sortEntries } from '../query/plan/conditions.js'
import { fieldsNamedBy } from './scanPartition.js'

/**
 * The most fields a projection names; past it the whole document is read (DynamoDB limits an
 * expression to 4 KB, and a projection that names most fields saves little).
 */
export const MAX_PROJECTED_FIELDS = 40

/** The top-level fields a sort orders by (`-author.name` → `author`). */
function sortFieldsOf(sort: Sort | undefined): string[] {
  return sortEntries(sort).map((entry) => entry.replace(/^[-+]/, '').split('.')[0])
}

/**
 * The top-level fields a query that returns `select`ed documents has to read: the selected ones,
 * the ones its `where` and sort name, and the timestamps (the default order and its tie-break).
 * Undefined (read whole documents) unless `select` includes fields, or when a field it names is
 * not stored as itself (a virtual field, an unknown name) or there are too many of them.
 *
 * Join fields in the select are left out: their values come from the other collection.
 */
export function projectedFields(
  fields: FlattenedField[],
  args: { select?: SelectType; sort?: Sort; where?: Where },
): string[] | undefined {
  const { select } = args
  if (!select || Object.keys(select).length === 0 || getSelectMode(select) !== 'include') {
    return undefined
  }
  const stored = new Map(fields.map((field) => [field.name, field]))
  const named = new Set<string>(['createdAt', 'updatedAt'])
  const selected = Object.entries(select)
    .filter(([, value]) => value !== false && value !== undefined)
    .map(([name]) => name)
  for (const name of [...selected, ...sortFieldsOf(args.sort)]) {
    if (name === 'id') {
      continue
    }
    const field = stored.get(name)
    if (!field || ('virtual' in field && field.virtual)) {
      return undefined
    }
    if (field.type !== 'join') {
      named.add(name)
    }
  }
  const byWhere = fieldsNamedBy(fields, args.where)
  if (!byWhere) {
    return undefined
  }
  byWhere.forEach((name) => named.add(name))
  return named.size > MAX_PROJECTED_FIELDS ? undefined : [...named]
}
