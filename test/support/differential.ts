/**
 * The differential tests' schema, fixture and generators: seeded random documents, `where` trees,
 * sorts, pages and writes over one collection that has every kind of field the query engine
 * treats differently, and the lanes (one Payload each) that answer them.
 */
import type {
  CollectionConfig,
  Config,
  DatabaseAdapterObj,
  Payload,
  SelectType,
  Sort,
  Where,
} from 'payload'

import { APIError } from 'payload'

export const collections = (): CollectionConfig[] => [
  {
    slug: 'authors',
    fields: [
      { name: 'name', type: 'text' },
      // The items whose `author` is this one (asked with the queries' `where`: differentialJoins).
      { name: 'items', type: 'join', collection: 'items', on: 'author' },
    ],
  },
  { slug: 'tags', fields: [{ name: 'label', type: 'text' }] },
  {
    slug: 'items',
    fields: [
      { name: 'seq', type: 'number', index: true, unique: true },
      { name: 'title', type: 'text', index: true },
      { name: 'body', type: 'text' },
      { name: 'views', type: 'number', index: true },
      { name: 'score', type: 'number' },
      { name: 'published', type: 'checkbox' },
      { name: 'publishedAt', type: 'date', index: true },
      {
        name: 'status',
        type: 'select',
        index: true,
        options: ['a', 'b', 'c'],
      },
      { name: 'labels', type: 'select', hasMany: true, options: ['x', 'y', 'z'] },
      { name: 'tags', type: 'relationship', hasMany: true, relationTo: 'tags' },
      { name: 'author', type: 'relationship', relationTo: 'authors' },
      {
        name: 'meta',
        type: 'group',
        fields: [
          { name: 'rating', type: 'number', index: true },
          { name: 'note', type: 'text' },
        ],
      },
      { name: 'headline', type: 'text', index: true, localized: true },
      { name: 'tagline', type: 'text', localized: true },
      { name: 'ref', type: 'relationship', relationTo: ['authors', 'tags'] },
      {
        name: 'blocks',
        type: 'blocks',
        blocks: [
          { slug: 'quote', fields: [{ name: 'kind', type: 'text' }] },
          { slug: 'figure', fields: [{ name: 'size', type: 'number' }] },
        ],
      },
      {
        name: 'rows',
        type: 'array',
        fields: [
          { name: 'kind', type: 'text', index: true },
          { name: 'n', type: 'number' },
        ],
      },
    ],
  },
]

export const makeConfig = (db: DatabaseAdapterObj): Config => ({
  collections: collections(),
  db,
  localization: { defaultLocale: 'en', fallback: true, locales: ['en', 'de'] },
  secret: 'differential-queries',
  telemetry: false,
})

/** The same with drafts on `items`: writes may save drafts, queries may ask for them. */
export const makeDraftsConfig = (db: DatabaseAdapterObj): Config => ({
  ...makeConfig(db),
  collections: collections().map((collection) =>
    collection.slug === 'items' ? { ...collection, versions: { drafts: true } } : collection,
  ),
})

/**
 * `beyondSqlite`: also the conditions db-sqlite answers wrongly (see the generator), for
 * comparing this adapter's lanes with each other only.
 */
export type Options = { beyondSqlite?: boolean; drafts?: boolean }

export const TEXTS = ['alpha', 'Alpha', 'beta', 'gamma ray', "o'brien", 'delta', 'Zeta', 'b', '']
export const NUMBERS = [-5, -1, 0, 0.5, 1, 2, 3, 7, 10, 42, 1000]
export const DATES = [
  '2024-01-01T00:00:00.000Z',
  '2024-03-15T12:00:00.000Z',
  '2024-03-15T12:00:00.001Z',
  '2025-06-30T23:59:59.999Z',
  '2026-01-01T00:00:00.000Z',
]
export const KINDS = ['k1', 'k2', 'K1', 'k3']

export type Fixture = { authors: string[]; items: Record<string, unknown>[]; tags: string[] }

export function itemMaker(next: () => number) {
  const pick = <T>(values: T[]): T => values[Math.floor(next() * values.length)]
  const maybe = <T>(value: T, chance = 0.2): null | T => (next() < chance ? null : value)
  const subset = <T>(values: T[]): T[] => values.filter(() => next() < 0.4)
  return (seq: number): Record<string, unknown> => ({
    author: maybe(Math.floor(next() * 3), 0.25),
    blocks: Array.from({ length: Math.floor(next() * 3) }, () =>
      next() < 0.5
        ? { blockType: 'quote', kind: maybe(pick(KINDS), 0.2) }
        : { blockType: 'figure', size: maybe(pick(NUMBERS), 0.2) },
    ),
    headline: maybe(pick(TEXTS), 0.3),
    ref:
      next() < 0.3
        ? null
        : next() < 0.5
          ? { author: Math.floor(next() * 3) }
          : { tag: Math.floor(next() * 4) },
    tagline: maybe(pick(TEXTS), 0.5),
    body: maybe(`${pick(TEXTS)} ${pick(TEXTS)}`, 0.3),
    labels: subset(['x', 'y', 'z']),
    meta: { note: maybe(pick(TEXTS), 0.4), rating: maybe(Math.floor(next() * 6), 0.3) },
    published: next() < 0.2 ? undefined : next() < 0.5,
    publishedAt: maybe(pick(DATES)),
    rows: Array.from({ length: Math.floor(next() * 4) }, () => ({
      kind: maybe(pick(KINDS), 0.15),
      n: maybe(pick(NUMBERS), 0.15),
    })),
    score: maybe(pick(NUMBERS), 0.3),
    seq,
    status: maybe(pick(['a', 'b', 'c']), 0.25),
    tags: subset([0, 1, 2, 3]),
    title: maybe(pick(TEXTS)),
    views: maybe(pick(NUMBERS)),
  })
}

export function fixture(next: () => number): Fixture {
  const item = itemMaker(next)
  const items = Array.from({ length: 70 }, (_, seq) => item(seq))
  return { authors: ['Ann', 'bob', 'Cy'], items, tags: ['red', 'green', 'blue', 'Red'] }
}

export type Lane = {
  authors: (number | string)[]
  idOf: Map<number, number | string>
  payload: Payload
  seqOf: Map<string, number>
  tags: (number | string)[]
}

export async function seed(payload: Payload, data: Fixture): Promise<Lane> {
  // Numeric ids of two collections must not meet in a polymorphic `ref.value`: db-sqlite's tags
  // start past its authors.
  for (let spare = 0; spare < 10; spare++) {
    await payload.create({ collection: 'tags', data: { label: 'spare' } })
  }
  const authors: (number | string)[] = []
  for (const name of data.authors) {
    authors.push((await payload.create({ collection: 'authors', data: { name } })).id)
  }
  const tags: (number | string)[] = []
  for (const label of data.tags) {
    tags.push((await payload.create({ collection: 'tags', data: { label } })).id)
  }
  const lane: Lane = { authors, idOf: new Map(), payload, seqOf: new Map(), tags }
  for (const item of data.items) {
    await createItem(lane, item)
  }
  return lane
}

/** An item's data with the fixture's author and tag indexes replaced by this lane's ids. */
export function itemData(lane: Lane, item: Record<string, unknown>): Record<string, unknown> {
  return {
    ...item,
    ...('author' in item
      ? { author: item.author === null ? null : lane.authors[item.author as number] }
      : {}),
    ...('tags' in item ? { tags: (item.tags as number[]).map((index) => lane.tags[index]) } : {}),
    ...('ref' in item ? { ref: polymorphic(lane, item.ref) } : {}),
  }
}

export function polymorphic(lane: Lane, ref: unknown) {
  const given = ref as null | { author?: number; tag?: number }
  if (!given) {
    return null
  }
  return given.author !== undefined
    ? { relationTo: 'authors', value: lane.authors[given.author] }
    : { relationTo: 'tags', value: lane.tags[given.tag as number] }
}

export async function createItem(
  lane: Lane,
  item: Record<string, unknown>,
  draft?: boolean,
): Promise<void> {
  const created = await lane.payload.create({
    collection: 'items',
    data: itemData(lane, item) as never,
    draft,
  })
  lane.seqOf.set(String(created.id), item.seq as number)
  lane.idOf.set(item.seq as number, created.id)
}

/** One query, with ids standing for the fixture's indexes (resolved per lane). */
export type Query = {
  draft?: boolean
  limit: number
  locale: 'de' | 'en'
  page: number
  sort: string[]
  where: Where
}

export const AUTHOR = Symbol('author')
export const TAG = Symbol('tag')
export type Ref = { index: number; kind: typeof AUTHOR | typeof TAG }

export function generator(next: () => number, options: Options = {}) {
  const pick = <T>(values: T[]): T => values[Math.floor(next() * values.length)]
  const some = <T>(values: T[]): T[] => {
    const chosen = values.filter(() => next() < 0.35)
    return chosen.length > 0 || next() < 0.1 ? chosen : [pick(values)]
  }
  const author = (): Ref => ({ index: Math.floor(next() * 3), kind: AUTHOR })
  const tag = (): Ref => ({ index: Math.floor(next() * 4), kind: TAG })
  const scalar = (values: unknown[], operators: string[]) => () => {
    const operator = pick(operators)
    if (operator === 'exists') {
      return { exists: next() < 0.5 }
    }
    if (operator === 'in' || operator === 'not_in' || operator === 'all') {
      // SQL's NOT IN (.., NULL) is never true; this adapter drops the null as db-mongodb does.
      const list = some(values)
      return { [operator]: operator === 'not_in' ? list.filter((each) => each !== null) : list }
    }
    const value = pick(values)
    // db-sqlite throws on `like: null`.
    return { [operator]: value === null && operator === 'like' ? 'a' : value }
  }
  const ORDERED = ['equals', 'not_equals', 'in', 'not_in', 'greater_than', 'greater_than_equal']
  const RANGES = [...ORDERED, 'less_than', 'less_than_equal', 'exists']
  const conditions: [string, () => unknown][] = [
    ['title', scalar([...TEXTS, null], [...RANGES, 'like', 'contains'])],
    ['title', scalar(['alp', 'A', 'ray gam', 'ta', "'"], ['like', 'contains'])],
    [
      'body',
      scalar(
        [...TEXTS, 'alpha beta', null],
        ['equals', 'not_equals', 'like', 'contains', 'exists', 'in'],
      ),
    ],
    ['views', scalar([...NUMBERS, 4, null], RANGES)],
    ['score', scalar([...NUMBERS, null], RANGES)],
    ['published', scalar([true, false, null], ['equals', 'not_equals', 'exists'])],
    ['publishedAt', scalar([...DATES, '2024-03-15T12:00:00.000Z', null], RANGES)],
    ['status', scalar(['a', 'b', 'c', null], ['equals', 'not_equals', 'in', 'not_in', 'exists'])],
    ['labels', scalar(['x', 'y', 'z'], ['equals', 'not_equals', 'in', 'not_in', 'all', 'exists'])],
    ['tags', () => pickRef(tag, ['equals', 'not_equals', 'in', 'not_in', 'all', 'exists'])],
    ['author', () => pickRef(author, ['equals', 'not_equals', 'in', 'not_in', 'exists'])],
    ['author.name', scalar(['Ann', 'bob', 'Bob', 'zed'], ['equals', 'like', 'in', 'not_equals'])],
    ['tags.label', scalar(['red', 'Red', 'blue', 'gr'], ['equals', 'like', 'in'])],
    ['meta.rating', scalar([0, 1, 2, 3, 5, 6, null], RANGES)],
    ['meta.note', scalar([...TEXTS, null], ['equals', 'not_equals', 'like', 'exists'])],
    [
      'rows.kind',
      scalar([...KINDS, null], ['equals', 'not_equals', 'in', 'not_in', 'like', 'exists']),
    ],
    ['rows.n', scalar([...NUMBERS, null], RANGES)],
    ['seq', scalar([0, 5, 17, 33, 69, 70], RANGES)],
    ...(options.drafts
      ? ([
          ['_status', scalar(['draft', 'published', null], ['equals', 'not_equals', 'exists'])],
        ] as [string, () => unknown][])
      : []),
    ['headline', scalar([...TEXTS, null], [...RANGES, 'like'])],
    ['tagline', scalar([...TEXTS, null], ['equals', 'not_equals', 'in', 'exists', 'like'])],
    // Left out where db-sqlite is wrong: it inverts `not_equals` / `not_in` on `ref.relationTo`
    // and `blocks.blockType` (answers the documents that have the value), answers nothing for
    // `not_equals` on `ref.value`, and answers `blocks.blockType in` with neither the documents
    // that have one of the types nor (for `in: []`) none.
    ['ref.relationTo', scalar(['authors', 'tags'], ['equals', 'in'])],
    ['ref.value', () => pickRef(next() < 0.5 ? author : tag, ['equals', 'in', 'exists'])],
    ['blocks.kind', scalar([...KINDS, null], ['equals', 'not_equals', 'in', 'exists', 'like'])],
    ['blocks.size', scalar([...NUMBERS, null], RANGES)],
    ['blocks.blockType', scalar(['quote', 'figure'], ['equals', 'exists'])],
    ...(options.beyondSqlite
      ? ([
          ['ref.relationTo', scalar(['authors', 'tags'], ['not_equals', 'not_in'])],
          ['ref.value', () => pickRef(next() < 0.5 ? author : tag, ['not_equals', 'not_in'])],
          ['blocks.blockType', scalar(['quote', 'figure'], ['not_equals', 'in', 'not_in'])],
        ] as [string, () => unknown][])
      : []),
  ]
  function pickRef(ref: () => Ref, operators: string[]) {
    const operator = pick(operators)
    if (operator === 'exists') {
      return { exists: next() < 0.5 }
    }
    if (operator === 'in' || operator === 'not_in' || operator === 'all') {
      return { [operator]: some([ref(), ref(), ref()]) }
    }
    return { [operator]: next() < 0.1 ? null : ref() }
  }
  function condition(): Where {
    const [path, make] = pick(conditions)
    return { [path]: make() } as Where
  }
  function where(depth: number): Where {
    if (process.env.DIFF_SIMPLE) {
      return condition()
    }
    const roll = next()
    if (depth < 2 && roll < 0.35) {
      const parts = Array.from({ length: 1 + Math.floor(next() * 3) }, () => where(depth + 1))
      return { [next() < 0.6 ? 'and' : 'or']: parts }
    }
    if (roll < 0.55) {
      // Several fields in one object: Payload ands them.
      return { ...condition(), ...condition() }
    }
    return condition()
  }
  const SORTS = [
    'headline',
    'title',
    'views',
    'score',
    'publishedAt',
    'status',
    'meta.rating',
    'createdAt',
    'seq',
  ]
  const query = (): Query => {
    const sort: string[] = []
    if (next() < 0.7) {
      sort.push(`${next() < 0.5 ? '-' : ''}${pick(SORTS)}`)
    }
    // seq is unique: it makes the order total, so pages are comparable.
    if (!sort.some((each) => each.endsWith('seq'))) {
      sort.push(next() < 0.5 ? 'seq' : '-seq')
    }
    const limit = pick([0, 5, 10, 100])
    const page = limit === 0 ? 1 : 1 + Math.floor(next() * 3)
    const locale = next() < 0.6 ? 'en' : 'de'
    const draft = options.drafts ? next() < 0.5 : undefined
    return { draft, limit, locale, page, sort, where: where(0) }
  }
  return { query, where: () => where(0) }
}

/** With drafts: saved as a draft, or not (and then, half the time, published). */
type Saved = { draft?: boolean; publish?: boolean }
export type Mutation =
  | ({ data: Record<string, unknown>; kind: 'update'; locale: 'de' | 'en'; seq: number } & Saved)
  | ({
      data: Record<string, unknown>
      kind: 'updateMany'
      locale: 'de' | 'en'
      where: Where
    } & Saved)
  | ({ item: Record<string, unknown>; kind: 'create' } & Saved)
  | { kind: 'delete'; seq: number }
  | { kind: 'deleteMany'; where: Where }

/** Writes between the queries: the answers must stay exact as the documents change. */
/** `firstSeq`: where this generator's creates start numbering (`seq` is unique). */
export function mutations(
  next: () => number,
  where: () => Where,
  firstSeq = 1000,
  options: Options = {},
) {
  const item = itemMaker(next)
  const saved = (): Saved => {
    if (!options.drafts) {
      return {}
    }
    const draft = next() < 0.5
    return draft ? { draft } : { draft, publish: next() < 0.5 }
  }
  let nextSeq = firstSeq
  const partial = (): Record<string, unknown> => {
    const whole = item(-1)
    const keys = Object.keys(whole).filter((key) => key !== 'seq' && next() < 0.3)
    const data = Object.fromEntries(
      (keys.length ? keys : ['status']).map((key) => [key, whole[key]]),
    )
    // db-sqlite reads a version's empty polymorphic relationship as absent, so Payload's next
    // save over that draft keeps the published value, where db-mongodb and this adapter clear
    // it. With drafts, updates do not empty `ref`.
    if (options.drafts && data.ref === null) {
      delete data.ref
    }
    return data
  }
  return (alive: number[]): Mutation => {
    const roll = next()
    const some = () => alive.filter(() => next() < 0.15).slice(0, 8)
    if (roll < 0.3 || alive.length < 20) {
      return { item: item(nextSeq++), kind: 'create', ...saved() }
    }
    if (roll < 0.65) {
      const seq = alive[Math.floor(next() * alive.length)]
      const locale = next() < 0.5 ? 'en' : 'de'
      return { data: partial(), kind: 'update', locale, seq, ...saved() }
    }
    if (roll < 0.8) {
      const locale = next() < 0.5 ? 'en' : 'de'
      return {
        data: partial(),
        kind: 'updateMany',
        locale,
        where: { and: [where(), { seq: { in: some() } }] },
        ...saved(),
      }
    }
    if (roll < 0.93) {
      return { kind: 'delete', seq: alive[Math.floor(next() * alive.length)] }
    }
    return { kind: 'deleteMany', where: { and: [where(), { seq: { in: some() } }] } }
  }
}

const published = (data: Record<string, unknown>, saved: Saved) =>
  saved.publish ? { ...data, _status: 'published' } : data

/** Applies a write on one lane; the outcome (the seqs it touched) must agree across lanes. */
export async function apply(lane: Lane, mutation: Mutation): Promise<string> {
  const seqsOf = (docs: { id: number | string }[]) =>
    docs.map((doc) => lane.seqOf.get(String(doc.id))).sort((a, b) => (a ?? 0) - (b ?? 0))
  const forget = (seqs: (number | undefined)[]) =>
    seqs.forEach((seq) => lane.idOf.delete(seq as number))
  try {
    switch (mutation.kind) {
      case 'create':
        await createItem(lane, published(mutation.item, mutation), mutation.draft)
        return 'created'
      case 'delete':
        await lane.payload.delete({
          id: lane.idOf.get(mutation.seq) as string,
          collection: 'items',
        })
        forget([mutation.seq])
        return 'deleted'
      case 'deleteMany': {
        const { docs, errors } = await lane.payload.delete({
          collection: 'items',
          where: resolve(mutation.where, lane) as Where,
        })
        forget(seqsOf(docs))
        return `deleted ${seqsOf(docs).join(',')} errors ${errors.length}`
      }
      case 'update':
        await lane.payload.update({
          id: lane.idOf.get(mutation.seq) as string,
          collection: 'items',
          data: itemData(lane, published(mutation.data, mutation)) as never,
          draft: mutation.draft,
          locale: mutation.locale,
        })
        return 'updated'
      case 'updateMany': {
        const { docs, errors } = await lane.payload.update({
          collection: 'items',
          data: itemData(lane, published(mutation.data, mutation)) as never,
          draft: mutation.draft,
          locale: mutation.locale,
          where: resolve(mutation.where, lane) as Where,
        })
        return `updated ${seqsOf(docs).join(',')} errors ${errors.length}`
      }
    }
  } catch (error) {
    // Payload's own errors (APIError and its kinds) are marked: anything else is a defect.
    const kind = error instanceof APIError ? 'payload' : 'NOT PAYLOAD'
    return `error ${(error as Error).name} (${kind}): ${(error as Error).message}`
  }
}

/** Replaces fixture references with this lane's ids. */
export function resolve(value: unknown, lane: Lane): unknown {
  if (Array.isArray(value)) {
    return value.map((each) => resolve(each, lane))
  }
  if (value && typeof value === 'object') {
    const ref = value as Partial<Ref>
    if (ref.kind === AUTHOR) {
      return lane.authors[ref.index as number]
    }
    if (ref.kind === TAG) {
      return lane.tags[ref.index as number]
    }
    return Object.fromEntries(
      Object.entries(value).map(([key, each]) => [key, resolve(each, lane)]),
    )
  }
  return value
}

export async function answer(lane: Lane, query: Query): Promise<string> {
  try {
    const result = await lane.payload.find({
      collection: 'items',
      depth: 0,
      draft: query.draft,
      limit: query.limit,
      locale: query.locale,
      page: query.page,
      pagination: query.limit !== 0,
      sort: query.sort as Sort,
      where: resolve(query.where, lane) as Where,
    })
    const seqs = result.docs.map((doc) => lane.seqOf.get(String(doc.id)))
    // Past the last page db-sqlite answers totalDocs 0; the total is not compared there.
    const total = query.limit === 0 || seqs.length === 0 ? '' : `total ${result.totalDocs}: `
    // `count` has its own plans (value counters for an indexed equality); it has no `draft`.
    const counted = query.draft
      ? ''
      : ` (count ${
          (
            await lane.payload.count({
              collection: 'items',
              locale: query.locale,
              where: resolve(query.where, lane) as Where,
            })
          ).totalDocs
        })`
    return `${total}${seqs.join(',')}${counted}`
  } catch (error) {
    return `error ${(error as Error).name}`
  }
}

export function describe(query: Mutation | Query): string {
  return JSON.stringify(query, (_, value: unknown) =>
    value && typeof value === 'object' && typeof (value as Ref).kind === 'symbol'
      ? `${(value as Ref).kind === AUTHOR ? 'author' : 'tag'}#${(value as Ref).index}`
      : value,
  )
}

/** Keys whose values are ids, which differ between databases. */
const ID_KEYS = new Set(['author', 'docs', 'id', 'tags', 'value'])
/** What the databases legitimately differ in: timestamps, and db-sqlite's empty `blockName`. */
const DROPPED = new Set(['blockName', 'createdAt', 'updatedAt'])

/**
 * A document as both databases must give it: ids masked, timestamps dropped, keys sorted, and
 * `null`, absent and empty lists the same (db-sqlite returns every column; Payload accepts both).
 */
function comparable(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    return value.length === 0 ? undefined : value.map((each) => comparable(each, key))
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([name, each]) => each !== null && each !== undefined && !DROPPED.has(name))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, each]) => [name, comparable(each, name)] as const)
      .filter(([, each]) => each !== undefined)
    return Object.fromEntries(entries)
  }
  return ID_KEYS.has(key) && (typeof value === 'string' || typeof value === 'number') ? 'ID' : value
}

/** The selects documents are read with: fields, a group's field, relationships, blocks, exclusions. */
export const SELECTS: SelectType[] = [
  { author: true, headline: true, rows: true, title: true },
  { meta: { rating: true }, seq: true, tagline: true },
  { labels: true, published: true, tags: true },
  { blocks: true, ref: true, seq: true },
  { body: false, rows: false, tagline: false },
]

/**
 * The first documents of a query's answer, whole (at `depth` 0 or 1, in one locale or all, with or
 * without a `select`), ordered by `seq` so that the order is total in every locale.
 */
export async function contents(
  lane: Lane,
  query: Query,
  /** `select`: which of SELECTS (none when undefined). */
  view: { depth: number; locale: 'all' | 'de' | 'en'; select?: number },
): Promise<string> {
  try {
    const result = await lane.payload.find({
      collection: 'items',
      depth: view.depth,
      draft: query.draft,
      limit: 8,
      locale: view.locale,
      select: view.select === undefined ? undefined : SELECTS[view.select % SELECTS.length],
      sort: 'seq',
      where: resolve(query.where, lane) as Where,
    })
    const docs = result.docs.map((doc) => ({ ...doc, seq: lane.seqOf.get(String(doc.id)) }))
    // The total in that locale too (with `all`: documents matching in any locale).
    const total = query.draft
      ? ''
      : ` total ${result.totalDocs}, count ${
          (
            await lane.payload.count({
              collection: 'items',
              locale: view.locale,
              where: resolve(query.where, lane) as Where,
            })
          ).totalDocs
        }`
    return `${JSON.stringify(comparable(docs) ?? [])}${total}`
  } catch (error) {
    return `error ${(error as Error).name}`
  }
}
