import type { FlattenedField, Payload, Where } from 'payload'

import type { Doc, DocID, QueryScope, RelationLookup } from '../../../src/query/types.js'

import { compileWhere } from '../../../src/query/compileWhere.js'

/**
 * The fixture collection `posts` (every field type) with `authors`/`cats` to relate to, as
 * FlattenedFields (the shape Payload's sanitized config has), and documents in the stored shape
 * (exactly what db-sqlite returned for `locale: 'all'`, depth 0; timestamps made stable).
 */

const text = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'text',
  ...extra,
})
const timestamps = [
  { name: 'updatedAt', type: 'date' },
  { name: 'createdAt', type: 'date' },
]

const b1 = { slug: 'b1', fields: [], flattenedFields: [text('bt')] }
const b2 = { slug: 'b2', fields: [], flattenedFields: [{ name: 'bn', type: 'number' }] }

export const postFields = [
  text('title'),
  text('ltitle', { localized: true }),
  { name: 'num', type: 'number' },
  { name: 'nums', type: 'number', hasMany: true },
  text('tags', { hasMany: true }),
  { name: 'date', type: 'date' },
  { name: 'flag', type: 'checkbox' },
  { name: 'sel', type: 'select', options: ['a', 'b', 'c'] },
  { name: 'sels', type: 'select', hasMany: true, options: ['a', 'b', 'c'] },
  {
    name: 'group',
    type: 'group',
    flattenedFields: [text('sub'), text('lsub', { localized: true })],
  },
  { name: 'arr', type: 'array', flattenedFields: [text('text'), { name: 'n', type: 'number' }] },
  { name: 'blocks', type: 'blocks', blocks: [b1, b2] },
  { name: 'json', type: 'json' },
  { name: 'point', type: 'point' },
  { name: 'rel', type: 'relationship', relationTo: 'authors' },
  { name: 'rels', type: 'relationship', relationTo: 'authors', hasMany: true },
  { name: 'poly', type: 'relationship', relationTo: ['authors', 'cats'] },
  { name: 'polys', type: 'relationship', relationTo: ['authors', 'cats'], hasMany: true },
  ...timestamps,
] as unknown as FlattenedField[]

export const authorFields = [text('name'), ...timestamps] as unknown as FlattenedField[]
export const catFields = [text('title'), ...timestamps] as unknown as FlattenedField[]

const fieldsBySlug: Record<string, FlattenedField[]> = {
  authors: authorFields,
  cats: catFields,
  posts: postFields,
}

/** The only parts of `payload` the query engine reads (see src/query/scopeInfo.ts). */
export const fakePayload = (
  options: { defaultIDType?: 'number' | 'text'; localized?: boolean } = {},
): Payload =>
  ({
    blocks: {},
    collections: Object.fromEntries(
      Object.entries(fieldsBySlug).map(([slug, flattenedFields]) => [
        slug,
        { config: { flattenedFields, slug } },
      ]),
    ),
    config: {
      localization:
        options.localized === false ? false : { defaultLocale: 'en', localeCodes: ['en', 'es'] },
    },
    db: { defaultIDType: options.defaultIDType ?? 'number' },
  }) as unknown as Payload

export const posts: Doc[] = [
  {
    id: 1,
    title: 'Hello World',
    ltitle: {
      en: 'hola-en',
      es: 'hola-es',
    },
    num: 5,
    nums: [1, 2],
    tags: ['x', 'y'],
    date: '2024-01-02T00:00:00.000Z',
    flag: true,
    sel: 'a',
    sels: ['a', 'b'],
    group: {
      sub: 'g1',
      lsub: {
        en: 'L1',
        es: 'L1es',
      },
    },
    arr: [
      {
        id: '6b06a70afc98b631a23c636d',
        text: 'r1',
        n: 1,
      },
      {
        id: '6b06a70afc98b631a23c636e',
        text: 'r2',
        n: 2,
      },
    ],
    blocks: [
      {
        id: '6b06a70afc98b631a23c636f',
        bt: 'bt1',
        blockName: null,
        blockType: 'b1',
      },
      {
        id: '6b06a70afc98b631a23c6370',
        bn: 7,
        blockName: null,
        blockType: 'b2',
      },
    ],
    json: {
      a: {
        b: 1,
      },
      s: 'str',
      arr: [1, 2],
    },
    point: [10, 20],
    rel: 1,
    rels: [1, 2],
    poly: {
      relationTo: 'authors',
      value: 1,
    },
    polys: [
      {
        relationTo: 'cats',
        value: 1,
      },
    ],
    updatedAt: '2025-01-01T00:00:00.000Z',
    createdAt: '2025-01-01T00:00:00.000Z',
  },
  {
    id: 2,
    title: 'apple',
    ltitle: {
      es: 'only-es',
    },
    num: 10,
    nums: [2],
    tags: ['x'],
    date: '2024-03-01T00:00:00.000Z',
    flag: false,
    sel: 'b',
    sels: ['c'],
    group: {
      sub: 'g2',
      lsub: {
        es: null,
      },
    },
    arr: [
      {
        id: '6b06a70afc98b631a23c6371',
        text: 'r1',
        n: 5,
      },
    ],
    json: {
      a: {
        b: 2,
      },
    },
    point: [-10, -20],
    rel: 2,
    rels: [2],
    poly: {
      relationTo: 'cats',
      value: 1,
    },
    polys: [],
    updatedAt: '2025-01-02T00:00:00.000Z',
    createdAt: '2025-01-02T00:00:00.000Z',
    blocks: [],
  },
  {
    id: 3,
    title: 'Banana',
    ltitle: {},
    num: -1,
    nums: [],
    tags: [],
    date: '2023-12-31T23:00:00.000Z',
    flag: null,
    sel: null,
    sels: [],
    group: {
      sub: null,
      lsub: {},
    },
    arr: [],
    json: null,
    rel: 3,
    rels: [],
    polys: [],
    updatedAt: '2025-01-03T00:00:00.000Z',
    createdAt: '2025-01-03T00:00:00.000Z',
    blocks: [],
  },
  {
    id: 4,
    title: null,
    ltitle: {},
    num: null,
    nums: [],
    tags: [],
    date: null,
    flag: null,
    sel: null,
    sels: [],
    group: {
      sub: null,
      lsub: {},
    },
    arr: [],
    json: null,
    rel: null,
    rels: [],
    polys: [],
    updatedAt: '2025-01-04T00:00:00.000Z',
    createdAt: '2025-01-04T00:00:00.000Z',
    blocks: [],
  },
  {
    id: 5,
    title: '',
    ltitle: {},
    num: 0,
    nums: [],
    tags: [],
    date: null,
    flag: null,
    sel: null,
    sels: [],
    group: {
      sub: null,
      lsub: {},
    },
    arr: [],
    json: null,
    rel: null,
    rels: [],
    polys: [],
    updatedAt: '2025-01-05T00:00:00.000Z',
    createdAt: '2025-01-05T00:00:00.000Z',
    blocks: [],
  },
  {
    id: 6,
    title: 'a_c',
    ltitle: {},
    num: 5.5,
    nums: [],
    tags: [],
    date: null,
    flag: null,
    sel: null,
    sels: [],
    group: {
      sub: null,
      lsub: {},
    },
    arr: [],
    json: {
      s: 'Str',
    },
    rel: null,
    rels: [],
    polys: [],
    updatedAt: '2025-01-06T00:00:00.000Z',
    createdAt: '2025-01-06T00:00:00.000Z',
    blocks: [],
  },
]

export const authors: Doc[] = [
  {
    id: 1,
    name: 'Alice',
    updatedAt: '2025-01-01T00:00:00.000Z',
    createdAt: '2025-01-01T00:00:00.000Z',
  },
  {
    id: 2,
    name: 'bob',
    updatedAt: '2025-01-02T00:00:00.000Z',
    createdAt: '2025-01-02T00:00:00.000Z',
  },
  {
    id: 3,
    name: null,
    updatedAt: '2025-01-03T00:00:00.000Z',
    createdAt: '2025-01-03T00:00:00.000Z',
  },
]

export const cats: Doc[] = [
  {
    id: 1,
    title: 'Tech',
    updatedAt: '2025-01-01T00:00:00.000Z',
    createdAt: '2025-01-01T00:00:00.000Z',
  },
]

export const store: Record<string, Doc[]> = { authors, cats, posts }

export const label = (doc: Doc): string => `P${Number(doc.id) - 1}`

/** An in-memory lookup that answers with the evaluator itself; records its calls. */
export const makeLookup = (payload: Payload, data: Record<string, Doc[]> = store) => {
  const calls: { collection: string; where: Where; locale?: string }[] = []
  const lookup: RelationLookup = {
    findIDs: async (collection, where, locale) => {
      calls.push({ collection, locale, where })
      const compiled = await compileWhere(
        { fields: fieldsBySlug[collection], locale, lookup, payload },
        where,
      )
      return data[collection].filter(compiled.matches).map((d) => d.id as DocID)
    },
    getDocs: async (collection, ids) =>
      data[collection].filter((d) => ids.map(String).includes(String(d.id))),
  }
  return { calls, lookup }
}

export const makeScope = (locale?: string, fields: FlattenedField[] = postFields): QueryScope => {
  const payload = fakePayload()
  return { fields, locale, lookup: makeLookup(payload).lookup, payload }
}
