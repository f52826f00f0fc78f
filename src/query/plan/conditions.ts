import type { Where } from 'payload'

/** One `path: { operator: value }` constraint that every match must satisfy. */
export type Condition = { operator: string; path: string; value: unknown }

/**
 * Splits a `where` into the constraints that must all hold (top-level keys and nested `and`s).
 * `rest` says whether anything else (an `or`, an empty operator object) is left that these
 * constraints do not capture.
 */
export function requiredConditions(where: undefined | Where): {
  conditions: Condition[]
  ors: Where[][]
} {
  const conditions: Condition[] = []
  const ors: Where[][] = []
  const visit = (node: undefined | Where) => {
    if (!node || typeof node !== 'object') {
      return
    }
    for (const [key, value] of Object.entries(node)) {
      // Like the evaluator (compileWhere), `AND` and `Or` are the logical operators too.
      const lower = key.toLowerCase()
      if (lower === 'and' && Array.isArray(value)) {
        value.forEach((sub) => visit(sub as Where))
      } else if (lower === 'or' && Array.isArray(value)) {
        ors.push(value as Where[])
      } else if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [operator, operand] of Object.entries(value as Record<string, unknown>)) {
          conditions.push({ operator, path: key, value: operand })
        }
      }
    }
  }
  visit(where)
  return { conditions, ors }
}

/**
 * The entries of a sort (`'-a'` or `['-a', 'b']`), empty ones left out. An entry is a path as it
 * stands, as for the comparator and db-sqlite: `'+a'` or `' a'` (what `?sort=+a` decodes to) names
 * no field, so it orders nothing. A string is one entry whatever it holds (Payload's REST API
 * splits `?sort=-a,b` into a list before the adapter sees it).
 */
export function sortEntries(sort: string | string[] | undefined): string[] {
  return (Array.isArray(sort) ? sort : sort ? [sort] : []).filter(
    (item) => typeof item === 'string' && item.length > 0,
  )
}

/** The first sort path and its direction, with the default drizzle uses when none is given. */
export function primarySort(
  sort: string | string[] | undefined,
  timestamps: boolean,
): { descending: boolean; path: string } {
  const first = sortEntries(sort)[0] ?? (timestamps ? '-createdAt' : '-id')
  return first.startsWith('-')
    ? { descending: true, path: first.slice(1) }
    : { descending: false, path: first }
}
