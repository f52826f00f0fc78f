import { applySelect } from '../../../src/query/applySelect.js'
import { buildComparator } from '../../../src/query/compileSort.js'
import { compareBinary, sqlLike } from '../../../src/query/sqlValues.js'
import { authorFields, label, makeScope, postFields, posts } from './fixtures.js'

const sorted = async (
  sort: Parameters<typeof buildComparator>[1],
  timestamps = true,
  locale = 'en',
) => {
  const scope = makeScope(locale)
  const docs = [...posts]
  return docs.sort(await buildComparator(scope, sort, { timestamps }, docs)).map(label)
}

describe('buildComparator', () => {
  it('defaults to -createdAt, or -id without timestamps', async () => {
    expect(await sorted(undefined)).toEqual(['P5', 'P4', 'P3', 'P2', 'P1', 'P0'])
    expect(await sorted([], false)).toEqual(['P5', 'P4', 'P3', 'P2', 'P1', 'P0'])
  })

  it('puts NULLs first ascending and last descending, text in BINARY order', async () => {
    expect(await sorted('title')).toEqual(['P3', 'P4', 'P2', 'P0', 'P5', 'P1'])
    expect(await sorted('-title')).toEqual(['P1', 'P5', 'P0', 'P2', 'P4', 'P3'])
  })

  it('sorts by several fields and relationship sub-paths', async () => {
    expect(await sorted(['flag', '-num'])).toEqual(['P5', 'P4', 'P2', 'P3', 'P1', 'P0'])
    expect(await sorted('-rel.name')).toEqual(['P1', 'P0', 'P5', 'P4', 'P3', 'P2'])
  })

  it('sorts by a hasMany relationship and its sub-paths (smallest asc, largest desc)', async () => {
    // rels: P0 [Alice, bob], P1 [bob], others none (NULL)
    expect(await sorted('rels.name')).toEqual(['P5', 'P4', 'P3', 'P2', 'P0', 'P1'])
    expect(await sorted('-rels.name')).toEqual(['P1', 'P0', 'P5', 'P4', 'P3', 'P2'])
    // by the ids: P0 [1, 2], P1 [2]
    expect(await sorted('rels')).toEqual(['P5', 'P4', 'P3', 'P2', 'P0', 'P1'])
    expect(await sorted('-rels')).toEqual(['P1', 'P0', 'P5', 'P4', 'P3', 'P2'])
  })

  it('uses the fallback tie-breaker and id last', async () => {
    const scope = makeScope('en', authorFields)
    const docs = [
      { createdAt: '2025-01-01T00:00:00.000Z', id: 1, name: 'x' },
      { createdAt: '2025-01-01T00:00:00.000Z', id: 2, name: 'x' },
      { createdAt: '2025-01-02T00:00:00.000Z', id: 3, name: 'x' },
    ]
    docs.sort(await buildComparator(scope, 'name', { timestamps: true }, docs))
    expect(docs.map((d) => d.id)).toEqual([3, 2, 1])
  })

  it('compares dates as instants', async () => {
    const scope = makeScope('en')
    const docs = [
      { date: '2024-01-01T00:30:00+01:00', id: 1 },
      { date: '2023-12-31T23:45:00.000Z', id: 2 },
    ]
    docs.sort(await buildComparator(scope, 'date', { timestamps: false }, docs))
    expect(docs.map((d) => d.id)).toEqual([1, 2])
  })

  it('ignores unknown paths', async () => {
    expect(await sorted('nope')).toEqual(['P5', 'P4', 'P3', 'P2', 'P1', 'P0'])
  })
})

describe('sql value helpers', () => {
  it('LIKE: %/_ wildcards, ASCII-only case folding', () => {
    expect(sqlLike('Hello', 'h_llo')).toBe(true)
    expect(sqlLike('Hello', '%LL%')).toBe(true)
    expect(sqlLike('Ärger', 'ä%')).toBe(false)
    expect(sqlLike('a.b', 'a_b')).toBe(true)
    expect(sqlLike('a(b', '%(%')).toBe(true)
  })

  it('BINARY collation orders by code point', () => {
    expect(compareBinary('B', 'a')).toBeLessThan(0)
    expect(compareBinary('\uffff', '\u{1F600}')).toBeLessThan(0)
  })
})

describe('applySelect', () => {
  const doc = posts[0]

  it('include mode keeps id, row ids and blockType', () => {
    expect(
      applySelect(doc, postFields, { arr: { n: true }, group: { sub: true }, title: true }),
    ).toEqual({
      arr: [
        { id: '6b06a70afc98b631a23c636d', n: 1 },
        { id: '6b06a70afc98b631a23c636e', n: 2 },
      ],
      group: { sub: 'g1' },
      id: 1,
      title: 'Hello World',
    })
    expect(applySelect(doc, postFields, { blocks: { b1: { bt: true } } })).toEqual({
      blocks: [
        { blockType: 'b1', bt: 'bt1', id: '6b06a70afc98b631a23c636f' },
        { blockType: 'b2', id: '6b06a70afc98b631a23c6370' },
      ],
      id: 1,
    })
  })

  it('include mode keeps localized values and whole json', () => {
    expect(
      applySelect(doc, postFields, { group: { lsub: true }, json: { a: true }, ltitle: true }),
    ).toEqual({
      group: { lsub: { en: 'L1', es: 'L1es' } },
      id: 1,
      json: doc.json,
      ltitle: { en: 'hola-en', es: 'hola-es' },
    })
  })

  it('exclude mode removes fields, never the top-level id', () => {
    const out = applySelect(doc, postFields, {
      arr: { id: false },
      blocks: { b2: false },
      createdAt: false,
      id: false,
    })
    expect(out.id).toBe(1)
    expect(out).not.toHaveProperty('createdAt')
    expect(out.arr).toEqual([
      { n: 1, text: 'r1' },
      { n: 2, text: 'r2' },
    ])
    expect(out.blocks).toEqual([
      { blockName: null, blockType: 'b1', bt: 'bt1', id: '6b06a70afc98b631a23c636f' },
      { blockType: 'b2', id: '6b06a70afc98b631a23c6370' },
    ])
    expect(out.title).toBe('Hello World')
  })

  it('returns the doc unchanged without select', () => {
    expect(applySelect(doc, postFields, undefined)).toBe(doc)
  })
})
