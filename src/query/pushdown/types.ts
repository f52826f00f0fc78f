/**
 * A filter DynamoDB evaluates on the items of a read (a `FilterExpression`), as a tree that
 * builders create and never change; `renderFilter` turns it into the expression with every
 * attribute name and value behind a placeholder.
 *
 * A pushed filter only drops items the query evaluator would reject too: it may keep more (the
 * evaluator still decides), never fewer.
 */
export type StoredType = 'N' | 'NULL' | 'S'

/** A scalar DynamoDB compares exactly as the evaluator does (see `pushableScalar`). */
export type PushedValue = number | string

export type Filter =
  | { children: Filter[]; kind: 'and' | 'or' }
  | { child: Filter; kind: 'not' }
  | {
      kind: 'compare'
      operator: '<' | '<=' | '<>' | '=' | '>' | '>='
      path: readonly string[]
      value: PushedValue
    }
  | { kind: 'exists'; path: readonly string[] }
  | { kind: 'in'; path: readonly string[]; values: PushedValue[] }
  | { kind: 'typeIs'; path: readonly string[]; type: StoredType }

/** A field stored as a plain scalar at `path` inside the item's document. */
export type StoredTarget = {
  /** The stored type of the field's values: text kinds as `S`, numbers as `N`. */
  type: 'N' | 'S'
  path: readonly string[]
}

export const and = (children: Filter[]): Filter =>
  children.length === 1 ? children[0] : { children, kind: 'and' }

export const or = (children: Filter[]): Filter =>
  children.length === 1 ? children[0] : { children, kind: 'or' }

export const not = (child: Filter): Filter => ({ child, kind: 'not' })

/**
 * `test`, applied only to items whose value at the target has the field's stored type: every
 * other item (no value, NULL, another type) is kept for the evaluator, whose rules across types
 * (SQLite's) DynamoDB does not share.
 */
export const whenStoredAs = (target: StoredTarget, test: Filter): Filter =>
  or([not({ kind: 'typeIs', path: target.path, type: target.type }), test])
