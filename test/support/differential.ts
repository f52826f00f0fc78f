/**
 * The differential tests' schema and fixture (one collection that has every kind of field the
 * query engine treats differently), and the lanes (one Payload each) that answer the queries and
 * make the writes of differentialGenerator.ts.
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

import {
  AUTHOR,
  itemMaker,
  TAG,
  type Mutation,
  type Query,
  type Ref,
  type Saved,
} from './differentialGenerator.js'

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
      // A multi-valued number index, a localized array, a named tab holding a localized field
      // (its group then gives the document locales) and an unnamed tab's field (top level).
      { name: 'scores', type: 'number', hasMany: true, index: true },
      { name: 'keywords', type: 'text', hasMany: true, index: true },
      { name: 'sponsor', type: 'relationship', localized: true, relationTo: 'authors' },
      // Localized blocks, and a polymorphic `hasMany` relationship.
      {
        name: 'sections',
        type: 'blocks',
        localized: true,
        blocks: [{ slug: 'note', fields: [{ name: 'body', type: 'text', index: true }] }],
      },
      { name: 'refs', type: 'relationship', hasMany: true, relationTo: ['authors', 'tags'] },
      {
        name: 'notes',
        type: 'array',
        localized: true,
        fields: [{ name: 'text', type: 'text', index: true }],
      },
      {
        type: 'tabs',
        tabs: [
          {
            name: 'seo',
            fields: [
              { name: 'keyword', type: 'text', index: true, localized: true },
              { name: 'depth', type: 'number' },
            ],
          },
          { fields: [{ name: 'weight', type: 'number', index: true }], label: 'Plain' },
        ],
      },
    ],
    // A compound index: an equality on `status` with a range or an order on `views`.
    indexes: [{ fields: ['status', 'views'] }],
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

export type Fixture = { authors: string[]; items: Record<string, unknown>[]; tags: string[] }

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
    ...('refs' in item
      ? { refs: (item.refs as unknown[]).map((each) => polymorphic(lane, each)) }
      : {}),
    ...('sponsor' in item
      ? { sponsor: item.sponsor === null ? null : lane.authors[item.sponsor as number] }
      : {}),
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

/**
 * Whether a `where` names the localized array `notes` or blocks `sections`. Under `locale: 'all'`
 * db-sqlite judges their rows of every locale together (a document with rows in `de` only does not
 * match `notes.text: null`, though it has no rows in `en`, a locale its other fields give it),
 * where this adapter judges each locale the document has, as it does for localized fields; such
 * views are asked in the query's own locale instead.
 */
export function namesLocalizedArray(where: Where): boolean {
  return namesPath(where, /^(notes|sections)(\.|$)/)
}

/** Whether a `where` (through its `and`s and `or`s) has a condition on a path `pattern` matches. */
export function namesPath(where: Where, pattern: RegExp): boolean {
  return Object.entries(where).some(([key, value]) =>
    key === 'and' || key === 'or'
      ? (value as Where[]).some((each) => namesPath(each, pattern))
      : pattern.test(key),
  )
}

/** Keys whose values are ids, which differ between databases. */
const ID_KEYS = new Set(['author', 'docs', 'id', 'sponsor', 'tags', 'value'])
/** What the databases legitimately differ in: timestamps, and db-sqlite's empty `blockName`. */
const DROPPED = new Set(['blockName', 'createdAt', 'updatedAt'])

/**
 * A document as both databases must give it: ids masked, timestamps dropped, keys sorted, and
 * `null`, absent, empty lists and empty objects the same (db-sqlite returns every column;
 * Payload accepts both).
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
    // A field with nothing in any locale: `{}` or `{ en: [] }` here, `[]` or `{}` from db-sqlite
    // (by the field's kind), all meaning no value.
    return entries.length === 0 && key !== '' ? undefined : Object.fromEntries(entries)
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
  { notes: true, scores: true, seo: { keyword: true }, weight: true },
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
