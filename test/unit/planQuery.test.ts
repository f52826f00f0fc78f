import type { Where } from 'payload'

import type { IndexDefinition, IndexPart } from '../../src/indexes/definitions.js'
import type { Namespace } from '../../src/namespaces.js'

import { maxTextFor } from '../../src/indexes/definitions.js'
import { paginate } from '../../src/read/paginate.js'
import { planQuery } from '../../src/query/plan/planQuery.js'

const namespace: Namespace = {
  fields: [],
  idType: 'text',
  kind: 'collection',
  pk: 'C#posts',
  slug: 'posts',
  timestamps: true,
}

const part = (
  path: string,
  kind: IndexPart['kind'],
  extra: Partial<IndexPart> = {},
): IndexPart => ({
  kind,
  localized: false,
  localizedPath: path,
  maxText: maxTextFor(1),
  multiValued: false,
  path,
  ...extra,
})

const definitions: IndexDefinition[] = [
  { name: 'createdAt', parts: [part('createdAt', 'date')], unique: false },
  { name: 'status', parts: [part('status', 'text')], unique: false },
  { name: 'views', parts: [part('views', 'number')], unique: false },
  { name: 'tags', parts: [part('tags', 'relationship', { multiValued: true })], unique: false },
  {
    name: 'title',
    parts: [part('title', 'text', { localized: true, localizedPath: 'title.<locale>' })],
    unique: false,
  },
]

const plan = (input: Partial<Parameters<typeof planQuery>[0]>) =>
  planQuery({ definitions, locale: 'en', namespace, needsTotal: true, want: 10, ...input })

describe('planQuery', () => {
  it('fetches by key when the ids are pinned', () => {
    expect(plan({ where: { id: { in: ['a', 'b'] } } })).toEqual({ ids: ['a', 'b'], kind: 'byID' })
    expect(
      plan({ where: { and: [{ status: { equals: 'x' } }, { id: { equals: 'a' } }] } }),
    ).toMatchObject({ kind: 'byID' })
  })

  it('reads the sort index in order for an unfiltered page, counted from the counter', () => {
    expect(plan({ sort: '-createdAt' })).toMatchObject({
      descending: true,
      exactCount: true,
      kind: 'index',
      ordered: true,
    })
    expect(plan({})).toMatchObject({ descending: true, kind: 'index', ordered: true })
  })

  it('prefers equality over ranges, and an index that also serves the sort', () => {
    const chosen = plan({
      sort: 'views',
      where: { status: { equals: 'draft' }, views: { greater_than: 3 } },
    })
    expect(chosen).toMatchObject({ exactCount: false, kind: 'index', ordered: false })
    expect(chosen.kind === 'index' && chosen.reads[0].definition.name).toBe('status')

    const ranged = plan({ sort: 'views', where: { views: { greater_than: 3, less_than: 9 } } })
    expect(ranged).toMatchObject({ kind: 'index', ordered: true })
  })

  it('counts an exact equality from the index, but not a multi-valued one', () => {
    expect(plan({ where: { status: { equals: 'draft' } } })).toMatchObject({ exactCount: true })
    expect(plan({ where: { tags: { equals: 't1' } } })).toMatchObject({
      exactCount: false,
      kind: 'index',
    })
  })

  it('does not count a range alone when it also holds an `in` of more than 25 values', () => {
    const many = Array.from({ length: 30 }, (_, index) => index + 1)
    expect(plan({ where: { views: { greater_than: 0, in: many } } })).toMatchObject({
      exactCount: false,
      kind: 'index',
    })
    expect(plan({ where: { views: { greater_than: 0 } } })).toMatchObject({ exactCount: true })
  })

  it('unions the branches of an or when each is indexable, else reads the partition', () => {
    const union = plan({
      where: { or: [{ status: { equals: 'a' } }, { views: { less_than: 0 } }] },
    })
    expect(union.kind === 'index' && union.reads.map((read) => read.definition.name)).toEqual([
      'status',
      'views',
    ])
    expect(
      plan({ where: { or: [{ status: { equals: 'a' } }, { body: { like: 'x' } }] } }),
    ).toMatchObject({
      kind: 'partition',
    })
  })

  it('names the field an index would serve when it falls back', () => {
    expect(plan({ where: { body: { like: 'hello' } } })).toMatchObject({
      kind: 'partition',
      suggestedIndex: 'body',
    })
    expect(plan({ sort: 'body' })).toMatchObject({ kind: 'partition', suggestedIndex: 'body' })
  })

  it('uses localized indexes only for a concrete locale', () => {
    const withLocale = plan({ where: { title: { equals: 'Hola' } } })
    expect(withLocale.kind === 'index' && withLocale.reads[0].pk).toBe('C#posts#I#title#en')
    expect(plan({ locale: undefined, where: { title: { equals: 'Hola' } } })).toMatchObject({
      kind: 'partition',
    })
  })

  it('does not stream a sort index when every row is wanted', () => {
    expect(plan({ needsTotal: false, want: Number.POSITIVE_INFINITY })).toMatchObject({
      kind: 'partition',
    })
  })
})

describe('paginate', () => {
  const items = Array.from({ length: 23 }, (_, i) => i)

  it('fills every field as the SQL adapters do', () => {
    expect(paginate(items, { limit: 10, page: 3 })).toEqual({
      docs: [20, 21, 22],
      hasNextPage: false,
      hasPrevPage: true,
      limit: 10,
      nextPage: null,
      page: 3,
      pagingCounter: 21,
      prevPage: 2,
      totalDocs: 23,
      totalPages: 3,
    })
  })

  it('returns everything, as one page, with limit 0 or pagination false', () => {
    expect(paginate(items, { limit: 0 })).toMatchObject({
      docs: items,
      limit: 0,
      totalDocs: 23,
      totalPages: 1,
    })
    expect(paginate(items, { limit: 5, pagination: false })).toMatchObject({
      docs: [0, 1, 2, 3, 4],
      totalDocs: 5,
    })
  })

  it('cuts from a partial read that starts later', () => {
    expect(paginate([10, 11, 12, 13], { limit: 2, page: 6 }, 23, 10).docs).toEqual([10, 11])
  })
})

describe('planQuery and polymorphic references', () => {
  it('finds documents by a polymorphic value through its `.value` index', () => {
    const withPolymorphic: IndexDefinition[] = [
      ...definitions,
      { name: 'document.value', parts: [part('document.value', 'relationship')], unique: false },
    ]
    const chosen = planQuery({
      definitions: withPolymorphic,
      locale: 'en',
      namespace,
      needsTotal: false,
      want: Number.POSITIVE_INFINITY,
      where: {
        and: [
          { 'document.relationTo': { equals: 'posts' } },
          { 'document.value': { equals: 'abc' } },
        ],
      },
    })
    expect(chosen.kind === 'index' && chosen.reads[0].definition.name).toBe('document.value')
  })
})

describe('planQuery over versions with latest-only indexes', () => {
  const versions: Namespace = { ...namespace, kind: 'versions', pk: 'V#posts' }
  const status = { parts: [part('version.status', 'text')], unique: false }
  const versionDefinitions: IndexDefinition[] = [
    { name: 'latest', parts: [part('latest', 'boolean')], unique: false },
    { name: 'parent', parts: [part('parent', 'relationship')], unique: false },
    { name: 'version.status', ...status },
    { name: 'version.status@latest', onlyLatest: true, ...status },
  ]
  const planVersions = (where: Where) =>
    planQuery({
      definitions: versionDefinitions,
      namespace: versions,
      needsTotal: true,
      want: 10,
      where,
    })
  const indexesRead = (planned: ReturnType<typeof planQuery>) =>
    planned.kind === 'index'
      ? [planned.reads, ...(planned.alternatives ?? []).map((each) => each.reads)].map((reads) =>
          reads.map((read) => read.definition.name).join(','),
        )
      : []

  it('reads a latest-only index only when every match must be latest, and counts it exactly', () => {
    const latest = planVersions({
      and: [{ latest: { equals: true } }, { 'version.status': { equals: 'draft' } }],
    })
    expect(indexesRead(latest)).toEqual(expect.arrayContaining(['version.status@latest', 'latest']))
    expect(indexesRead(latest)).not.toContain('version.status')
    const counted = planVersions({
      and: [{ 'version.status': { equals: 'draft' } }, { latest: { equals: true } }],
    })
    expect(counted).toMatchObject({ exactCount: true, kind: 'index' })
    expect(indexesRead(counted)[0]).toBe('version.status@latest')
  })

  it('keeps to the full index when old versions may match', () => {
    for (const where of [
      { 'version.status': { equals: 'draft' } },
      { and: [{ latest: { equals: false } }, { 'version.status': { equals: 'draft' } }] },
      { or: [{ latest: { equals: true } }, { 'version.status': { equals: 'draft' } }] },
    ] as Where[]) {
      expect(indexesRead(planVersions(where)).flatMap((names) => names.split(','))).not.toContain(
        'version.status@latest',
      )
    }
  })
})
