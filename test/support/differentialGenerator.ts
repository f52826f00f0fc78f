/**
 * The differential tests' generators: seeded random documents, `where` trees over every kind of
 * field the query engine treats differently, sorts, pages, locales, and writes.
 */
import type { Where } from 'payload'

/**
 * `beyondSqlite`: also the conditions db-sqlite answers wrongly (see the generator), for
 * comparing this adapter's lanes with each other only.
 */
export type Options = { beyondSqlite?: boolean; drafts?: boolean }

/** Texts longer than an index key keeps (100 units), one cut inside an emoji. */
const LONG_TEXTS = [`${'p'.repeat(99)}\u{1f600}a`, `${'p'.repeat(99)}z`, 'p'.repeat(130)]
export const TEXTS = [
  'alpha',
  'Alpha',
  'beta',
  'gamma ray',
  "o'brien",
  'delta',
  'Zeta',
  'b',
  '',
  ...LONG_TEXTS,
  // Half an emoji, which both databases store and compare as the U+FFFD beside it.
  'cut \ud83d',
  'cut \ufffd',
]
export const NUMBERS = [-5, -1, 0, 0.5, 1, 2, 3, 7, 10, 42, 1000, 1e21, -1e-7]
export const DATES = [
  '2024-01-01T00:00:00.000Z',
  '2024-03-15T12:00:00.000Z',
  '2024-03-15T12:00:00.001Z',
  '2025-06-30T23:59:59.999Z',
  '2026-01-01T00:00:00.000Z',
  '1969-12-31T23:59:59.999Z',
]
export const KINDS = ['k1', 'k2', 'K1', 'k3']

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
    scores: subset(NUMBERS.slice(0, 8)),
    notes: Array.from({ length: Math.floor(next() * 3) }, () => ({
      text: maybe(pick(TEXTS), 0.2),
    })),
    seo: { depth: maybe(pick(NUMBERS), 0.4), keyword: maybe(pick(TEXTS), 0.35) },
    weight: maybe(pick(NUMBERS), 0.3),
    keywords: subset(TEXTS.slice(0, 6)),
    sections: Array.from({ length: Math.floor(next() * 3) }, () => ({
      blockType: 'note',
      body: maybe(pick(TEXTS), 0.2),
    })),
    refs: subset([{ author: 0 }, { author: 2 }, { tag: 1 }, { tag: 3 }]),
    sponsor: maybe(Math.floor(next() * 3), 0.5),
    seq,
    status: maybe(pick(['a', 'b', 'c']), 0.25),
    tags: subset([0, 1, 2, 3]),
    title: maybe(pick(TEXTS)),
    views: maybe(pick(NUMBERS)),
  })
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
    ['scores', scalar([...NUMBERS, null], [...RANGES, 'all'])],
    ['notes.text', scalar([...TEXTS, null], ['equals', 'not_equals', 'in', 'like', 'exists'])],
    ['seo.keyword', scalar([...TEXTS, null], [...RANGES, 'like'])],
    ['seo.depth', scalar([...NUMBERS, null], ['equals', 'greater_than', 'exists'])],
    ['weight', scalar([...NUMBERS, null], RANGES)],
    [
      'keywords',
      scalar([...TEXTS, null], ['equals', 'not_equals', 'in', 'not_in', 'like', 'exists']),
    ],
    ['sponsor', () => pickRef(author, ['equals', 'not_equals', 'in', 'not_in', 'exists'])],
    ['sections.body', scalar([...TEXTS, null], ['equals', 'not_equals', 'in', 'like', 'exists'])],
    ['refs.value', () => pickRef(next() < 0.5 ? author : tag, ['equals', 'in', 'exists'])],
    ['refs.relationTo', scalar(['authors', 'tags'], ['equals', 'in'])],
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
    'weight',
    'seo.keyword',
  ]
  const query = (): Query => {
    const sort: string[] = []
    if (next() < 0.7) {
      sort.push(`${next() < 0.5 ? '-' : ''}${pick(SORTS)}`)
    }
    // A second key now and then (`status` then `views` is the compound index's order).
    if (sort.length === 1 && next() < 0.25) {
      const second = next() < 0.3 && sort[0].endsWith('status') ? 'views' : pick(SORTS)
      if (!sort[0].endsWith(second)) {
        sort.push(`${next() < 0.5 ? '-' : ''}${second}`)
      }
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
export type Saved = { draft?: boolean; publish?: boolean }
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
    // The same for a localized array emptied in one locale: db-sqlite reads the draft's `notes`
    // as having no value in that locale (`{}` where this adapter and db-mongodb give `{ en: [] }`),
    // so the next non-draft save brings the published rows back. (Localized blocks and a
    // polymorphic `hasMany` emptied in a draft stay empty there, as here.)
    if (options.drafts && Array.isArray(data.notes) && data.notes.length === 0) {
      delete data.notes
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
