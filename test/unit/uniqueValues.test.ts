import type { IndexDefinition, IndexPart } from '../../src/indexes/definitionTypes.js'

import { uniqueErrorPath } from '../../src/indexes/definitions.js'
import { indexEntries, uniqueMarkers } from '../../src/indexes/entries.js'
import { repeatedUniqueValues } from '../../src/indexes/repeatedUniques.js'
import { valuesAtPath } from '../../src/utilities/valuesAtPath.js'

const part = (path: string, localized = false): IndexPart => ({
  kind: 'text',
  localized,
  localizedPath: localized ? `${path}.<locale>` : path,
  maxText: 100,
  multiValued: path.includes('.'),
  path,
})

const unique = (...parts: IndexPart[]): IndexDefinition => ({
  name: parts.map((each) => each.path).join('+'),
  parts,
  unique: true,
})

const namespace = { kind: 'collection', pk: 'C#things', slug: 'things' } as never

describe('valuesAtPath with a block type', () => {
  const doc = {
    layout: [
      { blockType: 'hero', code: 'a', rows: [{ sku: 'x' }, { sku: 'y' }] },
      { blockType: 'quote', code: 'b' },
      { blockType: 'hero', code: 'c' },
    ],
  }

  it('keeps the rows of that block type only', () => {
    expect(valuesAtPath(doc, 'layout{hero}.code')).toEqual(['a', 'c'])
    expect(valuesAtPath(doc, 'layout{quote}.code')).toEqual(['b'])
    expect(valuesAtPath(doc, 'layout{hero}.rows.sku')).toEqual(['x', 'y', undefined])
  })

  it('finds nothing for a type without rows, or where no array is', () => {
    expect(valuesAtPath(doc, 'layout{cta}.code')).toEqual([])
    expect(valuesAtPath({ layout: 'text' }, 'layout{hero}.code')).toEqual([undefined])
  })

  it('leaves plain paths as they were', () => {
    expect(valuesAtPath(doc, 'layout.code')).toEqual(['a', 'b', 'c'])
  })
})

describe('uniqueness markers', () => {
  it('mark an empty text, never a missing value', () => {
    const code = unique(part('code'))
    expect(uniqueMarkers(namespace, [code], [], { code: '', id: '1' })).toHaveLength(1)
    expect(uniqueMarkers(namespace, [code], [], { code: null, id: '1' })).toHaveLength(0)
    expect(uniqueMarkers(namespace, [code], [], { id: '1' })).toHaveLength(0)
  })

  it('report a conflict on the first field, without block types', () => {
    expect(uniqueErrorPath(unique(part('layout{hero}.code')))).toBe('layout.code')
    expect(uniqueErrorPath(unique(part('a'), part('b')))).toBe('a')
  })
})

describe('repeatedUniqueValues', () => {
  const sku = unique(part('rows.sku'))

  it('finds one value in two rows of a document', () => {
    expect(repeatedUniqueValues([sku], [], { rows: [{ sku: 's' }, { sku: 's' }] })).toEqual([sku])
    expect(repeatedUniqueValues([sku], [], { rows: [{ sku: 's' }, { sku: 't' }] })).toEqual([])
    // Missing values repeat freely, as NULLs do in SQL.
    expect(repeatedUniqueValues([sku], [], { rows: [{}, { sku: null }, {}] })).toEqual([])
  })

  it('looks at each locale on its own', () => {
    const localized = unique(part('rows.sku', true))
    const doc = { rows: [{ sku: { de: 's', en: 's' } }, { sku: { de: 't', en: 'u' } }] }
    expect(repeatedUniqueValues([localized], ['en', 'de'], doc)).toEqual([])
    doc.rows[1].sku.de = 's'
    expect(repeatedUniqueValues([localized], ['en', 'de'], doc)).toEqual([localized])
  })

  it('finds an id twice in one hasMany relationship outside rows, not a text twice', () => {
    const many = unique({ ...part('many'), kind: 'relationship', multiValued: true })
    const poly = unique({ ...part('owners'), kind: 'polymorphic', multiValued: true })
    const refs = unique({ ...part('rows.refs'), kind: 'relationship', multiValued: true })
    const words = unique({ ...part('words'), multiValued: true })
    const within = new Set(['many', 'owners'])
    expect(repeatedUniqueValues([many], [], { many: ['a1', 'a2', 'a1'] }, within)).toEqual([many])
    expect(repeatedUniqueValues([many], [], { many: ['a1', 'a2'] }, within)).toEqual([])
    const owner = { relationTo: 'users', value: 'u1' }
    expect(repeatedUniqueValues([poly], [], { owners: [owner, { ...owner }] }, within)).toEqual([
      poly,
    ])
    const other = { relationTo: 'teams', value: 'u1' }
    expect(repeatedUniqueValues([poly], [], { owners: [owner, other] }, within)).toEqual([])
    // In an array's row, db-sqlite's relationship rows have no unique index.
    expect(repeatedUniqueValues([refs], [], { rows: [{ refs: ['a3', 'a3'] }] }, within)).toEqual([])
    expect(repeatedUniqueValues([words], [], { words: ['w', 'w'] }, within)).toEqual([])
    // Without `withinValue`, no hasMany value is compared within itself.
    expect(repeatedUniqueValues([many], [], { many: ['a1', 'a1'] })).toEqual([])
  })

  it('leaves out indexes that are not unique, compound, or single-valued', () => {
    const plain = { ...sku, unique: false }
    const compound = unique(part('rows.sku'), part('rows.size'))
    const code = unique(part('code'))
    const doc = {
      code: 'c',
      rows: [
        { size: 1, sku: 's' },
        { size: 1, sku: 's' },
      ],
    }
    expect(repeatedUniqueValues([plain, compound, code], [], doc)).toEqual([])
  })
})

describe('entries of a document with many values', () => {
  const values = (count: number, prefix: string) =>
    Array.from({ length: count }, (_, n) => ({ [prefix]: `${prefix}${n}` }))
  const doc = { id: 'd1', rows: values(120, 'a'), tags: values(100, 'b') }
  const compound = (isUnique: boolean): IndexDefinition => ({
    name: 'rows.a+tags.b',
    parts: [part('rows.a'), part('tags.b')],
    unique: isUnique,
  })

  it('gives an index with more than 1,000 combinations one overflow entry, without enumerating them', () => {
    // 12,000 combinations: more than a unique index may have, but this one is not unique.
    expect(indexEntries(namespace, [compound(false)], [], doc)).toEqual([
      { id: 'd1', pk: 'C#things#X#rows.a+tags.b', sk: '=d1' },
    ])
    expect(
      indexEntries(namespace, [compound(false)], [], { ...doc, tags: values(9, 'b') }),
    ).toEqual([{ id: 'd1', pk: 'C#things#X#rows.a+tags.b', sk: '=d1' }])
    // 120: an entry each (versions before 2026-12-05 gave more than 40 an overflow entry).
    expect(
      indexEntries(namespace, [compound(false)], [], { ...doc, tags: values(1, 'b') }),
    ).toHaveLength(120)
    expect(
      indexEntries(namespace, [compound(false)], [], {
        ...doc,
        rows: values(8, 'a'),
        tags: values(5, 'b'),
      }),
    ).toHaveLength(40)
  })

  it('refuses a unique index past 10,000 combinations (each needs a marker)', () => {
    expect(() => uniqueMarkers(namespace, [compound(true)], [], doc)).toThrow(
      /12000 or more combinations of values in the unique index rows\.a\+tags\.b/,
    )
    expect(
      uniqueMarkers(namespace, [compound(true)], [], { ...doc, tags: values(80, 'b') }),
    ).toHaveLength(9600)
  })
})
