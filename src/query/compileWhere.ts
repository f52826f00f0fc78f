import type { Where } from 'payload'

import { validOperatorSet } from 'payload/shared'

import type { Doc, DocID, QueryScope } from './types.js'

import { distanceMeters, asPoint, type NearQuery } from './geo.js'
import { buildOperator } from './operators/index.js'
import { looseIDEquals, valueEquals } from './operators/equality.js'
import { enumerateBindings } from './bindings.js'
import {
  relationID,
  resolvePath,
  type Binding,
  type JoinFieldPath,
  type JoinSpec,
  type ResolvedPath,
} from './paths.js'
import { normalizeStored } from './sanitizeValue.js'
import { getCollectionFields, normalizeLocale } from './scopeInfo.js'
import { isNullish } from './sqlValues.js'
import { isPlainObject } from '../utilities/plainObject.js'
import { wellFormedValues } from '../utilities/wellFormed.js'

export type CompiledWhere = {
  matches: (doc: Doc) => boolean
  /**
   * The values of `path` in the rows where the where holds (one per row, `null` for an empty one
   * unless the path joins inner): rows of the same array or hasMany field as a condition are the
   * rows it held on, as db-sqlite's `SELECT DISTINCT` shares its joins with its `WHERE`. Absent
   * for an empty where (every row).
   */
  valuesWhere?: (doc: Doc, path: ResolvedPath) => unknown[]
  /** Present when the where has a `near` constraint: orders by distance ascending. */
  nearComparator?: (a: Doc, b: Doc) => number
}

type Node = (doc: Doc, b: Binding) => boolean

/**
 * A join field queried in the `where` (`relatedPosts.title`), like db-sqlite's LEFT JOIN of the
 * joined collection: one joined document per binding, shared by every condition through the field.
 * Only joined documents that match some condition are enumerated (the others fail every condition,
 * so one stand-in `OTHER` row represents them when it matters).
 */
type JoinFieldIndex = {
  collection: string
  on: string
  /** Parent id (as a string) → ids (strings) of its joined documents that match some condition. */
  byParent: Map<string, Set<string>>
  /** Joined ids whose parents were already read. */
  seen: Set<string>
  /** Some condition holds for the NULL row: parents with no joined document must be told apart. */
  needsAll: boolean
  /** With `needsAll`: parents that have at least one joined document. */
  withAny: Set<string>
}

type State = {
  joinFields: Map<string, JoinFieldIndex>
  joins: JoinSpec[]
  near?: { path: ResolvedPath; query: NearQuery }
}

/** Stands for "a joined document that matches none of the conditions". */
const OTHER = Symbol('other joined document')

const RAW_TEXT_OPERATORS = new Set(['contains', 'like', 'not_like'])

const addJoins = (state: State, joins: JoinSpec[]): void => {
  for (const j of joins) {
    if (!state.joins.some((x) => x.key === j.key)) {
      state.joins.push(j)
    }
  }
}

/** Values of a path under a binding; NULL when there are none. */
const valuesOf = (path: ResolvedPath, doc: Doc, b: Binding, raw: boolean): unknown[] => {
  const values = path.get(doc, b)
  if (!values.length) {
    return path.innerJoin ? [] : [null]
  }
  return raw ? values : values.map((v) => normalizeStored(path, v))
}

/** A relationship sub-path: resolved to an id set in the related collection (+ the NULL row case). */
const compileRelation = async (
  scope: QueryScope,
  path: ResolvedPath,
  subWhere: Where,
): Promise<Node> => {
  const { collection } = path.relation ?? { collection: path.relationTo?.[0] ?? '' }
  const ids = await scope.lookup.findIDs(collection, subWhere, scope.locale)
  const idKeys = new Set(ids.map((id) => String(id)))
  // LEFT JOIN: a missing related document is a row of NULLs; does the sub-where hold for it?
  const relatedScope: QueryScope = {
    ...scope,
    fields: getCollectionFields(scope.payload, collection),
  }
  const nullMatches = (await compileWhere(relatedScope, subWhere)).matches({})
  return (doc, b) =>
    valuesOf(path, doc, b, true).some((v) => (isNullish(v) ? nullMatches : idKeys.has(String(v))))
}

/** The ids of the documents a joined document points at through `on` (any row, any element). */
const parentsOf = (scope: QueryScope, collection: string, on: string, doc: Doc): string[] => {
  let onPath: ResolvedPath
  try {
    onPath = resolvePath(
      {
        fields: getCollectionFields(scope.payload, collection),
        locale: normalizeLocale(scope.payload, scope.locale),
        payload: scope.payload,
      },
      on,
    )
  } catch {
    return []
  }
  const out: string[] = []
  for (const b of enumerateBindings(doc, onPath.joins)) {
    for (const v of onPath.get(doc, b)) {
      const id =
        v !== null && typeof v === 'object' && 'value' in v
          ? relationID((v as { value: unknown }).value)
          : relationID(v)
      if (!isNullish(id)) {
        out.push(String(id))
      }
    }
  }
  return out
}

const indexJoined = async (
  scope: QueryScope,
  index: JoinFieldIndex,
  ids: DocID[],
  into: Map<string, Set<string>>,
): Promise<void> => {
  const docs = await scope.lookup.getDocs(index.collection, ids)
  for (const doc of docs) {
    const id = String(doc.id)
    for (const parent of parentsOf(scope, index.collection, index.on, doc)) {
      let set = into.get(parent)
      if (!set) {
        into.set(parent, (set = new Set()))
      }
      set.add(id)
    }
  }
}

const compileJoinField = async (
  scope: QueryScope,
  state: State,
  path: ResolvedPath & { joinField: JoinFieldPath },
  subWhere: Where,
): Promise<Node> => {
  const { collection, key, on } = path.joinField
  let index = state.joinFields.get(key)
  if (!index) {
    const created: JoinFieldIndex = {
      byParent: new Map(),
      collection,
      needsAll: false,
      on,
      seen: new Set(),
      withAny: new Set(),
    }
    state.joinFields.set(key, (index = created))
    state.joins.push({
      key,
      rows: (doc) => {
        const parent = String(doc.id)
        const matched = created.byParent.get(parent)
        if (matched?.size) {
          return [...matched]
        }
        return created.needsAll && created.withAny.has(parent) ? [OTHER] : []
      },
    })
  }
  const ids = await scope.lookup.findIDs(collection, subWhere, scope.locale)
  const matching = new Set(ids.map((id) => String(id)))
  const unseen = ids.filter((id) => !index.seen.has(String(id)))
  for (const id of unseen) {
    index.seen.add(String(id))
  }
  if (unseen.length) {
    await indexJoined(scope, index, unseen, index.byParent)
  }
  const joinedScope: QueryScope = {
    ...scope,
    fields: getCollectionFields(scope.payload, collection),
  }
  const nullMatches = (await compileWhere(joinedScope, subWhere)).matches({})
  if (nullMatches) {
    index.needsAll = true
  }
  return (_doc, b) => {
    const row = b.get(key)
    if (row === null || row === undefined) {
      return nullMatches
    }
    return typeof row === 'string' && matching.has(row)
  }
}

/** Parents with any joined document, for joins whose conditions hold for the NULL row. */
const finishJoinFields = async (scope: QueryScope, state: State): Promise<void> => {
  for (const index of state.joinFields.values()) {
    if (!index.needsAll) {
      continue
    }
    const ids = await scope.lookup.findIDs(
      index.collection,
      { [index.on]: { exists: true } },
      scope.locale,
    )
    const all = new Map<string, Set<string>>()
    if (ids.length) {
      await indexJoined(scope, index, ids, all)
    }
    for (const parent of all.keys()) {
      index.withAny.add(parent)
    }
  }
}

const compileCondition = async (
  scope: QueryScope,
  state: State,
  key: string,
  operator: string,
  value: unknown,
): Promise<Node> => {
  const path = resolvePath(
    {
      blockType:
        operator === 'equals' && typeof value === 'string' && key.endsWith('.blockType')
          ? value
          : undefined,
      fields: scope.fields,
      joinFields: true,
      locale: normalizeLocale(scope.payload, scope.locale),
      payload: scope.payload,
    },
    key,
  )
  addJoins(state, path.joins)

  if (path.joinField) {
    const { rest } = path.joinField
    // `join: { contains: { ...where } }` (Payload's access scoping): one joined doc matches it all
    const subWhere =
      operator === 'contains' && isPlainObject(value) && !rest
        ? (value as Where)
        : ({ [rest || 'id']: { [operator]: value } } as Where)
    return compileJoinField(scope, state, { ...path, joinField: path.joinField }, subWhere)
  }

  if (path.relation) {
    return compileRelation(scope, path, { [path.relation.rest]: { [operator]: value } } as Where)
  }
  if (operator === 'contains' && path.kind === 'relationship' && isPlainObject(value)) {
    // `rel: { contains: { title: { equals: 'x' } } }`: some related document matches the nested where
    return compileRelation(scope, path, value as Where)
  }

  const op = buildOperator(scope.payload, path, operator, value)
  if (typeof op === 'boolean') {
    return () => op
  }
  const raw = RAW_TEXT_OPERATORS.has(operator)
  if (typeof op === 'function') {
    return (doc, b) => valuesOf(path, doc, b, raw).some(op)
  }
  if ('near' in op) {
    if (!state.near) {
      state.near = { path, query: op.near }
    }
    return (doc, b) => valuesOf(path, doc, b, false).some(op.test)
  }
  // `all` (db-mongodb `$all`): every listed value occurs among all of the path's values.
  const list = op.all
  return (doc) => {
    if (!list.length) {
      return false
    }
    const values: unknown[] = []
    for (const b of enumerateBindings(doc, path.joins)) {
      values.push(...valuesOf(path, doc, b, false))
    }
    return list.every((s) =>
      values.some((v) => (isNullish(s) ? isNullish(v) : allEquals(path, v, s))),
    )
  }
}

const allEquals = (path: ResolvedPath, v: unknown, s: unknown): boolean =>
  path.kind === 'poly' || path.kind === 'relationship' || path.kind === 'polyValue'
    ? looseIDEquals(path.kind === 'poly' ? (v as { value?: unknown } | null)?.value : v, s)
    : valueEquals(path, v, s)

const compileNode = async (scope: QueryScope, state: State, where: Where): Promise<Node> => {
  const parts: Node[] = []
  for (const [key, condition] of Object.entries(where)) {
    const lower = key.toLowerCase()
    if ((lower === 'and' || lower === 'or') && Array.isArray(condition)) {
      const children = await Promise.all(
        condition.map((w) => compileNode(scope, state, w as Where)),
      )
      if (!children.length) {
        continue
      }
      parts.push(
        lower === 'and'
          ? (doc, b) => children.every((c) => c(doc, b))
          : (doc, b) => children.some((c) => c(doc, b)),
      )
      continue
    }
    if (!isPlainObject(condition)) {
      continue
    }
    for (const [operator, value] of Object.entries(condition)) {
      if (!validOperatorSet.has(operator as never) && operator !== 'contains') {
        continue
      }
      parts.push(await compileCondition(scope, state, key, operator, value))
    }
  }
  if (!parts.length) {
    return () => true
  }
  if (parts.length === 1) {
    return parts[0]
  }
  return (doc, b) => parts.every((p) => p(doc, b))
}

/**
 * Compiles a Payload `where` into a synchronous matcher. Relationship sub-paths are resolved to
 * id sets through `scope.lookup.findIDs` first (hence async).
 */
export const compileWhere = async (
  scope: QueryScope,
  where: Where | undefined,
): Promise<CompiledWhere> => {
  if (!where || !Object.keys(where).length) {
    return { matches: () => true }
  }
  const state: State = { joinFields: new Map(), joins: [] }
  const node = await compileNode(scope, state, wellFormedValues(where))
  await finishJoinFields(scope, state)
  const joins = state.joins
  const matches = (doc: Doc): boolean => {
    for (const b of enumerateBindings(doc, joins)) {
      if (node(doc, b)) {
        return true
      }
    }
    return false
  }
  const valuesWhere = (doc: Doc, path: ResolvedPath): unknown[] => {
    const all = [...joins, ...path.joins.filter((j) => !joins.some((x) => x.key === j.key))]
    const out: unknown[] = []
    for (const b of enumerateBindings(doc, all)) {
      if (node(doc, b)) {
        const found = path.get(doc, b)
        if (found.length > 0) {
          out.push(...found)
        } else if (!path.innerJoin) {
          out.push(null)
        }
      }
    }
    return out
  }
  const compiled: CompiledWhere = { matches, valuesWhere }
  if (state.near) {
    const { path, query } = state.near
    const distance = (doc: Doc): number => {
      let best = Infinity
      for (const b of enumerateBindings(doc, path.joins)) {
        for (const v of path.get(doc, b)) {
          const p = asPoint(v)
          if (p) {
            best = Math.min(best, distanceMeters(query.center, p))
          }
        }
      }
      return best
    }
    const cache = new WeakMap<Doc, number>()
    const cached = (doc: Doc): number => {
      let d = cache.get(doc)
      if (d === undefined) {
        cache.set(doc, (d = distance(doc)))
      }
      return d
    }
    compiled.nearComparator = (a, b) => {
      const da = cached(a)
      const db = cached(b)
      return da === db ? 0 : da < db ? -1 : 1
    }
  }
  return compiled
}
