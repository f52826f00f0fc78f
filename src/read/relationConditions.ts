import type { FlattenedField, Where } from 'payload'

import type { QueryScope } from '../query/types.js'

import { compileWhere } from '../query/compileWhere.js'
import { requiredConditions } from '../query/plan/conditions.js'
import { getCollectionFields } from '../query/scopeInfo.js'

/** Operators that no document without the related one satisfies (a NULL row fails them). */
const NEEDS_RELATED = new Set([
  'contains',
  'equals',
  'greater_than',
  'greater_than_equal',
  'in',
  'less_than',
  'less_than_equal',
  'like',
])

/** At most this many related ids become an indexable `in` (the planner reads one range each). */
const MAX_IDS = 25

function relationField(fields: FlattenedField[], name: string) {
  const field = fields.find((candidate) => 'name' in candidate && candidate.name === name)
  if (
    field &&
    (field.type === 'relationship' || field.type === 'upload') &&
    typeof field.relationTo === 'string' &&
    !field.localized
  ) {
    return { collection: field.relationTo, name: field.name }
  }
  return undefined
}

/**
 * Conditions implied by relationship sub-paths that every match must satisfy: for
 * `author.name equals 'x'`, the ids of the authors named `x` become `author in [ids]`, which an
 * index on `author` serves, instead of reading every document to follow its author. The related
 * ids are looked up through `scope.lookup`, which the evaluator asks again for the same sub-query
 * (answered from its memo). The evaluator still decides every match: these only narrow the
 * candidates. Only conditions that a missing related document fails qualify, so that a document
 * without the relationship is never left out wrongly.
 */
export async function relationConditions(
  scope: QueryScope,
  where: undefined | Where,
): Promise<Where[]> {
  const implied: Where[] = []
  for (const { operator, path, value } of requiredConditions(where).conditions) {
    const dot = path.indexOf('.')
    if (dot <= 0 || !NEEDS_RELATED.has(operator)) {
      continue
    }
    const relation = relationField(scope.fields, path.slice(0, dot))
    // `author.id` is the relationship's own value (paths.ts), not a related document's.
    if (!relation || path.slice(dot + 1) === 'id') {
      continue
    }
    const sub: Where = { [path.slice(dot + 1)]: { [operator]: value } }
    // A document without the related one matches when the condition holds for a row of NULLs (a
    // null-like value, or one the field's type turns into null: 'abc' for a number): then the
    // condition implies nothing about the relationship. The evaluator asks the same.
    const related = { ...scope, fields: getCollectionFields(scope.payload, relation.collection) }
    if ((await compileWhere(related, sub)).matches({})) {
      continue
    }
    const ids = await scope.lookup.findIDs(relation.collection, sub, scope.locale)
    if (ids.length <= MAX_IDS) {
      implied.push({ [relation.name]: { in: ids } })
    }
  }
  return implied
}
