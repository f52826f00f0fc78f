import type { Where } from 'payload'

import { compileWhere } from '../../../src/query/compileWhere.js'
import { resolvePath } from '../../../src/query/paths.js'
import { fakePayload, label, makeLookup, makeScope, postFields, posts } from './fixtures.js'

const run = async (where: Where | undefined, locale?: string): Promise<string[]> => {
  const compiled = await compileWhere(makeScope(locale), where)
  return posts.filter(compiled.matches).map(label).sort()
}

describe('compileWhere: basics', () => {
  it('matches everything for an empty or missing where', async () => {
    expect(await run(undefined)).toHaveLength(6)
    expect(await run({})).toHaveLength(6)
  })

  it('ANDs field keys with and/or at the same level (no clause is dropped)', async () => {
    // db-sqlite 3.90.2 drops the `or` here (its `and` result overwrites it): we AND all of them.
    const where: Where = {
      and: [{ num: { less_than: 100 } }],
      num: { greater_than: 0 },
      or: [{ title: { equals: 'apple' } }, { title: { equals: 'a_c' } }],
    }
    expect(await run(where)).toEqual(['P1', 'P5'])
  })

  it('nests and/or at any depth', async () => {
    const where: Where = {
      or: [
        { and: [{ num: { greater_than_equal: 10 } }] },
        {
          and: [
            { title: { equals: 'Banana' } },
            { or: [{ num: { less_than: 0 } }, { flag: { equals: true } }] },
          ],
        },
      ],
    }
    expect(await run(where)).toEqual(['P1', 'P2'])
  })

  it('treats "AND"/"OR" case-insensitively and ignores unknown operators', async () => {
    expect(await run({ OR: [{ num: { equals: 5 } }, { num: { equals: 10 } }] } as Where)).toEqual([
      'P0',
      'P1',
    ])
    expect(await run({ title: { foo: 'x' } } as unknown as Where)).toHaveLength(6)
  })

  it('applies several operators on one path as AND', async () => {
    expect(await run({ num: { greater_than: 0, less_than: 10 } })).toEqual(['P0', 'P5'])
  })
})

describe('compileWhere: same-row semantics of joined values (like SQL joins)', () => {
  it('conditions on one array see the same row', async () => {
    expect(await run({ 'arr.n': { equals: 2 }, 'arr.text': { equals: 'r2' } })).toEqual(['P0'])
    expect(await run({ 'arr.n': { equals: 2 }, 'arr.text': { equals: 'r1' } })).toEqual([])
  })

  it('two equals on one hasMany never hold together (one joined row)', async () => {
    expect(await run({ and: [{ tags: { equals: 'x' } }, { tags: { equals: 'y' } }] })).toEqual([])
  })

  it('`all` looks at every value (db-mongodb $all; db-sqlite throws)', async () => {
    expect(await run({ tags: { all: ['x', 'y'] } })).toEqual(['P0'])
    expect(await run({ tags: { all: 'x' } })).toEqual(['P0', 'P1'])
    expect(await run({ nums: { all: '1,2' } })).toEqual(['P0'])
    expect(await run({ rels: { all: [1, 2] } })).toEqual(['P0'])
    expect(await run({ sels: { all: ['a', 'c'] } })).toEqual([])
    expect(await run({ tags: { all: [] } })).toEqual([])
  })
})

describe('compileWhere: relationships', () => {
  it('resolves sub-paths through lookup.findIDs with the scope locale', async () => {
    const payload = fakePayload()
    const { calls, lookup } = makeLookup(payload)
    const compiled = await compileWhere(
      { fields: postFields, locale: 'es', lookup, payload },
      { 'rel.name': { like: 'ali' } },
    )
    expect(calls).toEqual([
      { collection: 'authors', locale: 'es', where: { name: { like: 'ali' } } },
    ])
    expect(posts.filter(compiled.matches).map(label)).toEqual(['P0'])
  })

  it('a hasMany relationship stored as a lone id counts as one element', async () => {
    const compiled = await compileWhere(makeScope('en'), { rels: { in: [7] } })
    expect(compiled.matches({ id: 9, rels: 7 })).toBe(true)
    expect(compiled.matches({ id: 9, rels: 8 })).toBe(false)
    expect(compiled.matches({ id: 9, rels: null })).toBe(false)
  })

  it('nested `contains` where on a hasMany relationship', async () => {
    expect(await run({ rels: { contains: { name: { equals: 'Alice' } } } })).toEqual(['P0'])
  })

  it('polymorphic: object equals, bare id (mongo semantics), relationTo with operators', async () => {
    expect(await run({ poly: { equals: { relationTo: 'cats', value: '1' } } })).toEqual(['P1'])
    expect(await run({ poly: { equals: 1 } })).toEqual(['P0', 'P1'])
    expect(await run({ poly: { exists: false } })).toEqual(['P2', 'P3', 'P4', 'P5'])
    expect(await run({ 'poly.relationTo': { in: ['authors'] } })).toEqual(['P0'])
    // db-sqlite ignores the operator on `relationTo` (treats it as equals); we honor it.
    expect(await run({ 'poly.relationTo': { not_equals: 'cats' } })).toEqual([
      'P0',
      'P2',
      'P3',
      'P4',
      'P5',
    ])
  })

  it('coerces ids to the related id type (text ids stay strings)', async () => {
    const payload = fakePayload({ defaultIDType: 'text' })
    const docs = [
      { id: 'a', rel: '10' },
      { id: 'b', rel: '2' },
    ]
    const compiled = await compileWhere(
      { fields: postFields, locale: 'en', lookup: makeLookup(payload).lookup, payload },
      { rel: { in: [10] } },
    )
    expect(docs.filter(compiled.matches).map((d) => d.id)).toEqual(['a'])
  })

  it('an unparsable number id matches nothing', async () => {
    expect(await run({ rel: { equals: 'abc' } })).toEqual([])
    expect(await run({ id: { in: ['x', '2'] } })).toEqual(['P1'])
  })
})

describe('compileWhere: localization', () => {
  it('locale undefined uses the default locale; "*" means any locale like "all"', async () => {
    expect(await run({ ltitle: { equals: 'hola-en' } }, undefined)).toEqual(['P0'])
    expect(await run({ ltitle: { equals: 'only-es' } }, '*')).toEqual(['P1'])
  })

  it('with localization off, fields are read directly', async () => {
    const payload = fakePayload({ localized: false })
    const compiled = await compileWhere(
      { fields: postFields, lookup: makeLookup(payload).lookup, payload },
      { ltitle: { equals: 'plain' } },
    )
    expect(compiled.matches({ id: 9, ltitle: 'plain' })).toBe(true)
    expect(compiled.matches({ id: 9, ltitle: { en: 'plain' } })).toBe(false)
  })
})

describe('compileWhere: json and richText', () => {
  it('follows json paths with array indexes and typed equality', async () => {
    expect(await run({ 'json.arr.1': { equals: 2 } })).toEqual(['P0'])
    expect(await run({ 'json.a.b': { greater_than: 1 } })).toEqual(['P1'])
    expect(await run({ 'json.a.b': { not_in: [1] } })).toEqual(['P1'])
  })

  it('richText paths fan out through arrays', async () => {
    const fields = [{ name: 'body', type: 'richText' }] as unknown as typeof postFields
    const payload = fakePayload()
    const compiled = await compileWhere(
      { fields, locale: 'en', lookup: makeLookup(payload).lookup, payload },
      { 'body.root.children.children.text': { like: 'world' } },
    )
    const doc = {
      body: { root: { children: [{ children: [{ text: 'hello' }, { text: 'big World' }] }] } },
      id: 1,
    }
    expect(compiled.matches(doc)).toBe(true)
    expect(compiled.matches({ ...doc, body: { root: { children: [] } } })).toBe(false)
  })
})

describe('compileWhere: tabs, unnamed tabs and nested arrays', () => {
  const fields = [
    { name: 'tab', type: 'tab', flattenedFields: [{ name: 't', type: 'text' }] },
    { name: 'flat', type: 'text' },
    {
      name: 'outer',
      type: 'array',
      flattenedFields: [
        { name: 'inner', type: 'array', flattenedFields: [{ name: 'v', type: 'number' }] },
      ],
    },
    {
      name: 'lgroup',
      type: 'group',
      localized: true,
      flattenedFields: [{ name: 'x', type: 'text', localized: true }],
    },
  ] as unknown as typeof postFields
  const payload = fakePayload()
  const scope = { fields, locale: 'es', lookup: makeLookup(payload).lookup, payload }
  const doc = {
    flat: 'f',
    id: 1,
    lgroup: { en: { x: 'EN' }, es: { x: 'ES' } },
    outer: [{ inner: [{ v: 1 }, { v: 5 }] }, { inner: [] }],
    tab: { t: 'T' },
  }

  it('named tabs are groups, unnamed tab fields are top-level', async () => {
    expect((await compileWhere(scope, { 'tab.t': { equals: 'T' } })).matches(doc)).toBe(true)
    expect((await compileWhere(scope, { flat: { equals: 'f' } })).matches(doc)).toBe(true)
  })

  it('nested arrays', async () => {
    expect((await compileWhere(scope, { 'outer.inner.v': { greater_than: 4 } })).matches(doc)).toBe(
      true,
    )
    expect((await compileWhere(scope, { 'outer.inner.v': { greater_than: 5 } })).matches(doc)).toBe(
      false,
    )
    // the second outer row has no inner rows: a NULL row, which `exists: false` matches
    expect((await compileWhere(scope, { 'outer.inner.v': { exists: false } })).matches(doc)).toBe(
      true,
    )
  })

  it('fields inside a localized group are read under the group locale', async () => {
    expect((await compileWhere(scope, { 'lgroup.x': { equals: 'ES' } })).matches(doc)).toBe(true)
    expect((await compileWhere(scope, { 'lgroup.en.x': { equals: 'EN' } })).matches(doc)).toBe(true)
  })

  it('throws on paths that do not exist', async () => {
    await expect(compileWhere(scope, { nope: { equals: 1 } })).rejects.toThrow('cannot be queried')
  })
})

describe('compileWhere: json paths across arrays (db-mongodb semantics)', () => {
  const fields = [{ name: 'json', type: 'json' }] as unknown as typeof postFields
  const payload = fakePayload()
  const scope = { fields, locale: 'en', lookup: makeLookup(payload).lookup, payload }
  const doc = {
    id: 1,
    json: {
      array: [{ text: 'other' }, { object: { array: [10], text: 'deep-text' }, text: 'some-text' }],
      list: [10, 20],
    },
  }
  const matches = async (where: Where): Promise<boolean> =>
    (await compileWhere(scope, where)).matches(doc)

  it('a named segment on an array matches when any element matches', async () => {
    expect(await matches({ 'json.array.text': { equals: 'some-text' } })).toBe(true)
    expect(await matches({ 'json.array.text': { equals: 'nope' } })).toBe(false)
    expect(await matches({ 'json.array.object.text': { equals: 'deep-text' } })).toBe(true)
    expect(await matches({ 'json.array.object.notexists': { exists: false } })).toBe(true)
    expect(await matches({ 'json.array.object.array': { exists: true } })).toBe(true)
    expect(await matches({ 'json.array.1.text': { equals: 'some-text' } })).toBe(true)
    expect(await matches({ 'json.array.0.text': { equals: 'some-text' } })).toBe(false)
  })

  it('after a fan-out, a leaf array is matched by its elements', async () => {
    expect(await matches({ 'json.array.object.array': { in: [10, 20] } })).toBe(true)
    expect(await matches({ 'json.array.object.array': { equals: 10 } })).toBe(true)
    expect(await matches({ 'json.array.object.array': { in: [20] } })).toBe(false)
  })

  it('the whole where of Payload’s "should query deeply" test', async () => {
    const where: Where = {
      and: [
        { 'json.array.text': { equals: 'some-text' } },
        { 'json.array.object.text': { equals: 'deep-text' } },
        { 'json.array.object.array': { in: [10, 20] } },
        { 'json.array.object.array': { exists: true } },
        { 'json.array.object.notexists': { exists: false } },
      ],
    }
    expect(await matches(where)).toBe(true)
    expect(await matches({ ...where, 'json.array.text': { equals: 'x' } })).toBe(false)
  })

  it('without a fan-out a leaf array is compared whole (db-sqlite)', async () => {
    expect(await matches({ 'json.list': { equals: 10 } })).toBe(false)
    expect(await matches({ 'json.list.1': { equals: 20 } })).toBe(true)
  })
})

describe('compileWhere: join fields (db-sqlite LEFT JOIN of the joined collection)', () => {
  const join = (name: string, on: string) => ({ name, type: 'join', collection: 'posts', on })
  // authors as a collection with joins: `posts` on posts.rel, `manyPosts` on posts.rels
  const fields = [
    { name: 'name', type: 'text' },
    join('posts', 'rel'),
    join('manyPosts', 'rels'),
    { name: 'g', type: 'group', flattenedFields: [join('posts', 'rel')] },
  ] as unknown as typeof postFields
  // posts: P0 rel 1, rels [1, 2]; P1 rel 2, rels [2]; P2 rel 3
  const authorDocs = [
    { id: 1, name: 'Alice' },
    { id: 2, name: 'bob' },
    { id: 3, name: null },
    { id: 4, name: 'nobody' },
  ]
  const payload = fakePayload()
  const scope = { fields, locale: 'en', lookup: makeLookup(payload).lookup, payload }
  const ids = async (where: Where): Promise<number[]> => {
    const compiled = await compileWhere(scope, where)
    return authorDocs.filter(compiled.matches).map((d) => d.id)
  }

  it('queries a sub-path of the joined documents', async () => {
    expect(await ids({ 'posts.title': { equals: 'Hello World' } })).toEqual([1])
    expect(await ids({ 'posts.num': { greater_than: 0 } })).toEqual([1, 2])
    expect(await ids({ 'manyPosts.title': { equals: 'apple' } })).toEqual([2])
    expect(await ids({ 'manyPosts.num': { equals: 5 } })).toEqual([1, 2])
    expect(await ids({ 'g.posts.title': { equals: 'apple' } })).toEqual([2])
  })

  it('queries the joined ids, with or without `.id`', async () => {
    expect(await ids({ 'posts.id': { equals: 2 } })).toEqual([2])
    expect(await ids({ posts: { equals: 3 } })).toEqual([3])
    expect(await ids({ 'manyPosts.id': { in: [1] } })).toEqual([1, 2])
  })

  it('conditions through one join field see the same joined document', async () => {
    // author 2 has P0 (num 5) and P1 (apple), but no single post with both
    expect(
      await ids({
        and: [{ 'manyPosts.title': { equals: 'apple' } }, { 'manyPosts.num': { equals: 5 } }],
      }),
    ).toEqual([])
    expect(
      await ids({
        and: [
          { 'manyPosts.title': { equals: 'apple' } },
          { 'manyPosts.title': { exists: true } },
          { 'manyPosts.num': { equals: 10 } },
        ],
      }),
    ).toEqual([2])
    expect(
      await ids({ manyPosts: { contains: { num: { equals: 10 }, title: { equals: 'apple' } } } }),
    ).toEqual([2])
    expect(
      await ids({ manyPosts: { contains: { num: { equals: 5 }, title: { equals: 'apple' } } } }),
    ).toEqual([])
  })

  it('a parent without joined documents has one NULL row', async () => {
    expect(await ids({ 'manyPosts.id': { exists: true } })).toEqual([1, 2])
    expect(await ids({ 'manyPosts.id': { exists: false } })).toEqual([3, 4])
    expect(await ids({ 'manyPosts.title': { exists: false } })).toEqual([3, 4])
    expect(await ids({ 'posts.title': { exists: false } })).toEqual([4])
  })

  it('combines with other conditions in and/or', async () => {
    expect(
      await ids({
        or: [{ 'manyPosts.title': { equals: 'apple' } }, { name: { equals: 'Alice' } }],
      }),
    ).toEqual([1, 2])
    expect(
      await ids({ 'manyPosts.title': { equals: 'Hello World' }, name: { equals: 'bob' } }),
    ).toEqual([2])
  })

  it('only `where` resolves join fields: sort/distinct paths still reject them', () => {
    expect(() => resolvePath({ fields, locale: 'en', payload }, 'posts.title')).toThrow(
      'cannot be queried',
    )
    expect(
      resolvePath({ fields, joinFields: true, locale: 'en', payload }, 'g.posts.title').joinField,
    ).toEqual({ collection: 'posts', key: 'g.posts|join', on: 'rel', rest: 'title' })
  })
})
