import type { FlattenedField, Payload } from 'payload'

import { fieldShouldBeLocalized } from 'payload/shared'

import type { Doc } from './types.js'

import {
  getBlocks,
  getLocalization,
  idTypeOfFields,
  type IDType,
  tellsLocales,
} from './scopeInfo.js'
import { docLocales, ownLocales } from './localeRows.js'

/**
 * Resolving a query path (`group.arr.text`, `title.es`, `author.name`, `json.a.b`) against the
 * fields into value getters.
 *
 * Multi-valued steps (array rows, block rows, hasMany values, the locales of `locale: 'all'`) are
 * *joins*: like drizzle's SQL joins, every condition of one `where` that goes through the same join
 * sees the same row. A `Binding` holds the row currently chosen for each join key; the evaluator
 * tries every combination and a document matches when one combination satisfies the whole `where`.
 * An empty join yields one NULL row (SQL LEFT JOIN).
 */

export type Binding = Map<string, unknown>

export type JoinSpec = { key: string; rows: (doc: Doc, b: Binding) => unknown[] }

export type LeafKind =
  | 'checkbox'
  | 'container'
  | 'date'
  | 'id'
  | 'json'
  | 'number'
  | 'point'
  | 'poly'
  | 'polyRelationTo'
  | 'polyValue'
  | 'relationship'
  | 'text'

export type ResolvedPath = {
  /** Set for `id` (the id type of the documents). */
  idType?: IDType
  joins: JoinSpec[]
  kind: LeafKind
  /** Leaf field (undefined for `id`, `blockType`). */
  field?: FlattenedField
  /** Values at the leaf under a binding; may hold several (JSON fan-out). Empty = NULL. */
  get: (doc: Doc, b: Binding) => unknown[]
  /** No NULL row when there is no value (db-sqlite's `blocks.blockType` requires a block row). */
  innerJoin?: boolean
  /** Leaf is a hasMany field value (one element per row). */
  hasMany: boolean
  /** The path continues into related documents: `rest` is queried in `collection`. */
  relation?: { collection: string; rest: string }
  /** Target collections of a relationship/upload leaf. */
  relationTo?: string[]
  /**
   * The path goes through a join field (only with `PathContext.joinFields`): `rest` (empty for
   * the bare field, which means its `id`) is queried in the joined `collection`, whose documents
   * point at this one through `on`. `key` names the join: conditions through one key see the same joined document.
   */
  joinField?: JoinFieldPath
}

export type JoinFieldPath = { collection: string; key: string; on: string; rest: string }

export type PathContext = {
  fields: FlattenedField[]
  /** Resolve join fields to `ResolvedPath.joinField` (only `where` can query them). */
  joinFields?: boolean
  /** Normalized: a locale code, `'all'`, or undefined when localization is off. */
  locale: string | undefined
  /** `blocks.blockType equals <slug>`: bind to that type's rows (as its fields do), not to any. */
  blockType?: string
  payload: Payload
}

export const LOCALE_JOIN = '@locale'

type Getter = (doc: Doc, b: Binding) => unknown

export class InvalidPathError extends Error {
  constructor(path: string) {
    super(`The following path cannot be queried: ${path}`)
    this.name = 'InvalidPathError'
  }
}

/** An own property only: `data.constructor` or `data.__proto__` is no stored value. */
const prop = (container: unknown, key: string): unknown =>
  container !== null &&
  typeof container === 'object' &&
  !Array.isArray(container) &&
  Object.prototype.hasOwnProperty.call(container, key)
    ? (container as Record<string, unknown>)[key]
    : undefined

const asRows = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

/** hasMany values; a lone value (Payload stores `children: id` as given) is one element. */
const asMany = (v: unknown): unknown[] =>
  Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]

/** A relationship value as stored is an id; tolerate populated docs. */
export const relationID = (v: unknown): unknown =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && 'id' in v
    ? (v as { id: unknown }).id
    : v

const scalarKind = (field: FlattenedField): LeafKind => {
  switch (field.type) {
    case 'checkbox':
      return 'checkbox'
    case 'date':
      return 'date'
    case 'number':
      return 'number'
    case 'point':
      return 'point'
    case 'json':
    case 'richText':
      return 'json'
    default:
      return 'text'
  }
}

/**
 * `json_extract`-like traversal (a numeric segment indexes an array). A named segment applied to
 * an array fans out over its elements (db-mongodb semantics; db-sqlite finds NULL there). For json,
 * once a path has fanned out, an array at the leaf is flattened too (`json.arr.list in [10]`
 * matches `list: [10]`, like mongo); without a fan-out the leaf is compared whole, like db-sqlite.
 */
export const traverseJSON = (
  value: unknown,
  segments: string[],
  flattenLeaf: boolean,
): unknown[] => {
  let current: unknown[] = [value]
  let fannedOut = false
  for (const seg of segments) {
    const next: unknown[] = []
    for (const v of current) {
      if (Array.isArray(v)) {
        if (/^\d+$/.test(seg)) {
          next.push(v[Number(seg)])
        } else {
          fannedOut = true
          for (const el of v) {
            next.push(prop(el, seg))
          }
        }
      } else {
        next.push(prop(v, seg))
      }
    }
    current = next
  }
  if (flattenLeaf && fannedOut) {
    current = current.flatMap((v) => (Array.isArray(v) ? v : [v]))
  }
  return current.filter((v) => v !== undefined && v !== null)
}

const one = (v: unknown): unknown[] => (v === undefined || v === null ? [] : [v])

/** The row join a path goes through (an array's or a block type's rows) and its rows' fields. */
type RowJoin = { fieldsOf: (row: unknown) => FlattenedField[]; key: string }

export const resolvePath = (ctx: PathContext, path: string): ResolvedPath => {
  const segments = path.replace(/__/g, '.').split('.')
  const localization = getLocalization(ctx.payload)
  const joins: JoinSpec[] = []

  const walk = (
    i: number,
    fields: FlattenedField[],
    acc: Getter,
    prefix: string,
    parentLocalized: boolean,
    topLevel: boolean,
    /** Inside an array's or block's rows (their localized values are a table of their own). */
    row?: RowJoin,
  ): ResolvedPath => {
    const seg = segments[i]
    const isLast = i === segments.length - 1
    const field = fields.find((f) => 'name' in f && f.name === seg)

    if (!field) {
      if (seg === 'id' && isLast) {
        return {
          get: (doc, b) => one(prop(acc(doc, b), 'id')),
          hasMany: false,
          idType: topLevel ? idTypeOfFields(ctx.payload, fields) : 'text',
          joins,
          kind: 'id',
        }
      }
      throw new InvalidPathError(path)
    }

    let valAcc: Getter = (doc, b) => prop(acc(doc, b), seg)
    let here = prefix ? `${prefix}.${seg}` : seg
    const localized =
      Boolean(localization) && fieldShouldBeLocalized({ field, parentIsLocalized: parentLocalized })
    if (localized && localization) {
      const nextSeg = segments[i + 1]
      const raw = valAcc
      if (nextSeg !== undefined && localization.localeCodes.includes(nextSeg)) {
        valAcc = (doc, b) => prop(raw(doc, b), nextSeg)
        here = `${here}.${nextSeg}`
        i += 1
      } else if (ctx.locale === 'all' && tellsLocales(field) && !row) {
        if (!joins.some((j) => j.key === LOCALE_JOIN)) {
          const codes = localization.localeCodes
          joins.push({ key: LOCALE_JOIN, rows: (doc) => docLocales(ctx.fields, doc, codes) })
        }
        valAcc = (doc, b) => prop(raw(doc, b), String(b.get(LOCALE_JOIN)))
      } else if (ctx.locale === 'all' && row && tellsLocales(field)) {
        // A row's localized values are one locales table, joined once per row join: conditions
        // on its fields (in groups of the row too) meet in the same locale, any the row holds.
        const key = `${LOCALE_JOIN}|${row.key}`
        const codes = localization.localeCodes
        const { fieldsOf, key: rowKey } = row
        if (!joins.some((j) => j.key === key)) {
          joins.push({
            key,
            rows: (_doc, b) => {
              const bound = b.get(rowKey)
              return bound !== null && typeof bound === 'object' && !Array.isArray(bound)
                ? docLocales(fieldsOf(bound), bound as Doc, codes)
                : []
            },
          })
        }
        valAcc = (doc, b) => prop(raw(doc, b), String(b.get(key)))
      } else if (ctx.locale === 'all') {
        // Lists, hasMany values and the fields of rows live in tables of their own, which
        // db-sqlite joins in every locale: any locale the value itself holds.
        const key = `${LOCALE_JOIN}|${here}`
        const codes = localization.localeCodes
        if (!joins.some((j) => j.key === key)) {
          joins.push({ key, rows: (doc, b) => ownLocales(raw(doc, b), codes) })
        }
        valAcc = (doc, b) => prop(raw(doc, b), String(b.get(key)))
      } else {
        const locale = ctx.locale ?? localization.defaultLocale
        valAcc = (doc, b) => prop(raw(doc, b), locale)
      }
    }
    const last = i === segments.length - 1
    const childLocalized = parentLocalized || Boolean('localized' in field && field.localized)

    const leaf = (kind: LeafKind, get: Getter, hasMany = false): ResolvedPath => {
      if (!last && kind !== 'json') {
        throw new InvalidPathError(path)
      }
      return { field, get: (doc, b) => one(get(doc, b)), hasMany, joins, kind }
    }

    const join = (key: string, rows: (doc: Doc, b: Binding) => unknown[]): Getter => {
      if (!joins.some((j) => j.key === key)) {
        joins.push({ key, rows })
      }
      return (_doc, b) => b.get(key)
    }

    switch (field.type) {
      case 'group':
      case 'tab': {
        if (last) {
          return leaf('container', valAcc)
        }
        return walk(i + 1, field.flattenedFields, valAcc, here, childLocalized, false, row)
      }
      case 'array': {
        if (last) {
          return leaf('container', valAcc)
        }
        const rowAcc = join(here, (doc, b) => asRows(valAcc(doc, b)))
        const rowFields = field.flattenedFields
        return walk(i + 1, rowFields, rowAcc, here, childLocalized, false, {
          fieldsOf: () => rowFields,
          key: here,
        })
      }
      case 'blocks': {
        if (last) {
          return leaf('container', valAcc)
        }
        const next = segments[i + 1]
        const blocks = getBlocks(ctx.payload, field)
        // Rows of some block types (or all): a binding per set, as SQL joins each block's table.
        const rowsKey = (slugs?: string[]) => `${here}|${slugs?.join(',') ?? '*'}`
        const rowsOf = (slugs?: string[]) =>
          join(rowsKey(slugs), (doc, b) =>
            asRows(valAcc(doc, b)).filter(
              (row) => !slugs || slugs.includes(String(prop(row, 'blockType'))),
            ),
          )
        if (next === 'blockType') {
          if (i + 1 !== segments.length - 1) {
            throw new InvalidPathError(path)
          }
          const rowAcc = rowsOf(ctx.blockType ? [ctx.blockType] : undefined)
          return {
            field,
            get: (doc, b) => one(prop(rowAcc(doc, b), 'blockType')),
            hasMany: false,
            innerJoin: true,
            joins,
            kind: 'text',
          }
        }
        const owners = blocks.filter((bl) =>
          bl.flattenedFields.some((f) => 'name' in f && f.name === next),
        )
        if (!owners.length) {
          throw new InvalidPathError(path)
        }
        const slugs = owners.map((bl) => bl.slug)
        const rowAcc = rowsOf(slugs)
        return walk(i + 1, owners[0].flattenedFields, rowAcc, here, childLocalized, false, {
          // A row's fields are those of its own block type.
          fieldsOf: (bound) =>
            blocks.find((bl) => bl.slug === prop(bound, 'blockType'))?.flattenedFields ?? [],
          key: rowsKey(slugs),
        })
      }
      case 'relationship':
      case 'upload': {
        const targets = Array.isArray(field.relationTo) ? field.relationTo : [field.relationTo]
        const poly = Array.isArray(field.relationTo)
        const elem: Getter = field.hasMany ? join(here, (doc, b) => asMany(valAcc(doc, b))) : valAcc
        const base = { field, hasMany: Boolean(field.hasMany), joins, relationTo: targets }
        if (last) {
          if (poly) {
            return { ...base, get: (doc, b) => one(elem(doc, b)), kind: 'poly' }
          }
          return { ...base, get: (doc, b) => one(relationID(elem(doc, b))), kind: 'relationship' }
        }
        const rest = segments.slice(i + 1)
        if (!poly && rest.length === 1 && rest[0] === 'id') {
          // The relationship's own value, as db-sqlite reads `author.id` (its column, not a join
          // to the related row): a document without one is NULL there, not a missing related row.
          return { ...base, get: (doc, b) => one(relationID(elem(doc, b))), kind: 'relationship' }
        }
        if (poly) {
          if (rest.length !== 1 || (rest[0] !== 'value' && rest[0] !== 'relationTo')) {
            throw new InvalidPathError(path)
          }
          const part = rest[0]
          return {
            ...base,
            get: (doc, b) => one(prop(elem(doc, b), part)),
            kind: part === 'value' ? 'polyValue' : 'polyRelationTo',
          }
        }
        return {
          ...base,
          get: (doc, b) => one(relationID(elem(doc, b))),
          kind: 'relationship',
          relation: { collection: targets[0], rest: rest.join('.') },
        }
      }
      case 'json':
      case 'richText': {
        const rest = segments.slice(i + 1)
        const flattenLeaf = field.type === 'json'
        return {
          field,
          get: (doc, b) =>
            rest.length ? traverseJSON(valAcc(doc, b), rest, flattenLeaf) : one(valAcc(doc, b)),
          hasMany: false,
          joins,
          kind: 'json',
        }
      }
      case 'join': {
        // A join field is virtual: the documents of `field.collection` whose `on` points here.
        if (!ctx.joinFields || typeof field.collection !== 'string') {
          throw new InvalidPathError(path)
        }
        return {
          field,
          get: () => [],
          hasMany: false,
          joinField: {
            collection: field.collection,
            key: `${here}|join`,
            on: field.on,
            rest: segments.slice(i + 1).join('.'),
          },
          joins,
          kind: 'id',
        }
      }
      default: {
        if ('hasMany' in field && field.hasMany) {
          return leaf(
            scalarKind(field),
            // A lone value stored before the field became hasMany is its one element.
            join(here, (doc, b) => asMany(valAcc(doc, b))),
            true,
          )
        }
        return leaf(scalarKind(field), valAcc)
      }
    }
  }

  return walk(0, ctx.fields, (doc) => doc, '', false, true)
}
