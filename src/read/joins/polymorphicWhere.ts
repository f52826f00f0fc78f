import type { FlattenedField, Where } from 'payload'

type Simplified = boolean | Where

/**
 * The part of a polymorphic join's `where` that one of its collections has to satisfy.
 * `relationTo` (the collection slug, a pseudo-field of polymorphic joins) is decided here, and so
 * are conditions on fields the collection does not have (their value is missing). Returns `false`
 * when no document of the collection can match, `undefined` when every document does.
 */
export function whereForCollection(
  where: undefined | Where,
  collection: string,
  fields: FlattenedField[],
): false | undefined | Where {
  if (!where) {
    return undefined
  }
  const result = simplify(where, collection, (path) => path === 'id' || hasPath(fields, path))
  if (result === true) {
    return undefined
  }
  return result
}

/**
 * Whether a collection has the field a path names, through groups and tabs (a path into a
 * relationship, an array or blocks is left to the query's own judgement).
 */
function hasPath(fields: FlattenedField[], path: string): boolean {
  let within = fields
  for (const segment of path.split('.')) {
    const field = within.find((candidate) => 'name' in candidate && candidate.name === segment)
    if (!field) {
      return false
    }
    if (field.type !== 'group' && field.type !== 'tab') {
      return true
    }
    within = field.flattenedFields
  }
  return true
}

function simplify(where: Where, collection: string, has: (path: string) => boolean): Simplified {
  const kept: Where[] = []
  for (const [key, value] of Object.entries(where)) {
    let part: Simplified
    const lower = key.toLowerCase()
    if ((lower === 'and' || lower === 'or') && Array.isArray(value)) {
      const children = (value as Where[]).map((child) => simplify(child ?? {}, collection, has))
      part = lower === 'and' ? allOf(children) : anyOf(children)
    } else if (key === 'relationTo') {
      part = decide(collection, value)
    } else if (!has(key)) {
      part = decide(undefined, value)
    } else {
      part = { [key]: value } as Where
    }
    if (part === false) {
      return false
    }
    if (part !== true) {
      kept.push(part)
    }
  }
  return allOf(kept)
}

function allOf(parts: Simplified[]): Simplified {
  if (parts.includes(false)) {
    return false
  }
  const rest = parts.filter((part): part is Where => part !== true)
  if (rest.length === 0) {
    return true
  }
  return rest.length === 1 && rest[0] ? rest[0] : { and: rest }
}

function anyOf(parts: Simplified[]): Simplified {
  if (parts.includes(true)) {
    return true
  }
  const rest = parts.filter((part): part is Where => part !== false)
  if (rest.length === 0) {
    return false
  }
  return rest.length === 1 && rest[0] ? rest[0] : { or: rest }
}

function asList(operand: unknown): unknown[] {
  if (Array.isArray(operand)) {
    return operand
  }
  if (typeof operand === 'string') {
    return operand.split(',').map((item) => item.trim())
  }
  return [operand]
}

function isTrue(operand: unknown): boolean {
  return operand === true || operand === 'true'
}

/** Evaluates a constraint (`{ equals: 'posts' }`, ...) on a known value; several operators AND. */
function decide(actual: string | undefined, constraint: unknown): boolean {
  if (typeof constraint !== 'object' || constraint === null) {
    return actual === constraint
  }
  return Object.entries(constraint).every(([operator, operand]) => {
    switch (operator) {
      case 'equals':
        return operand === null ? actual === undefined : actual === operand
      case 'not_equals':
        return operand === null ? actual !== undefined : actual !== operand
      // A field the collection lacks is SQL's NULL there: `IN` with `null` is `IS NULL OR IN`,
      // and `NULL NOT IN (...)` holds for no row (the evaluator's reading of a null value).
      case 'in':
        return actual === undefined
          ? asList(operand).includes(null)
          : asList(operand).includes(actual)
      case 'not_in':
        return actual === undefined
          ? asList(operand).length === 0
          : !asList(operand).includes(actual)
      case 'exists':
        return isTrue(operand) ? actual !== undefined : actual === undefined
      case 'like':
      case 'contains':
        return (
          actual !== undefined &&
          typeof operand === 'string' &&
          actual.toLowerCase().includes(operand.toLowerCase())
        )
      default:
        return false
    }
  })
}
