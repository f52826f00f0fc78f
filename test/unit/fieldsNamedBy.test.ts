import type { FlattenedField } from 'payload'

import { fieldsNamedBy } from '../../src/read/projection.js'

const fields = [
  { name: 'title', type: 'text' },
  { name: 'author', type: 'relationship', relationTo: 'authors' },
  { name: 'meta', type: 'group', flattenedFields: [] },
  { name: 'related', type: 'join', collection: 'posts', on: 'author' },
] as unknown as FlattenedField[]

describe('fieldsNamedBy (what a count reads of each document)', () => {
  it('names the top-level fields of every condition, through and/or', () => {
    expect(
      fieldsNamedBy(fields, {
        and: [
          { title: { like: 'a' } },
          { or: [{ 'author.name': { equals: 'x' } }, { 'meta.x': { exists: true } }] },
        ],
        id: { not_equals: '1' },
      })?.sort(),
    ).toEqual(['author', 'meta', 'title'])
  })

  it('reads whole documents when a condition names a join or an unknown field', () => {
    expect(fieldsNamedBy(fields, { 'related.title': { equals: 'x' } })).toBeUndefined()
    expect(fieldsNamedBy(fields, { nowhere: { equals: 'x' } })).toBeUndefined()
  })

  it("under locale 'all' also reads every field that tells a document's locales", () => {
    const localized = [
      { name: 'title', type: 'text' },
      { name: 'headline', type: 'text', localized: true },
      { name: 'tagline', type: 'text', localized: true },
      {
        name: 'meta',
        type: 'group',
        flattenedFields: [{ name: 'summary', type: 'text', localized: true }],
      },
      { name: 'plain', type: 'group', flattenedFields: [{ name: 'note', type: 'text' }] },
    ] as unknown as FlattenedField[]
    const where = { headline: { equals: null } }
    expect(fieldsNamedBy(localized, where)).toEqual(['headline'])
    expect(fieldsNamedBy(localized, where, 'en')).toEqual(['headline'])
    expect(fieldsNamedBy(localized, where, 'all')?.sort()).toEqual(['headline', 'meta', 'tagline'])
    expect(fieldsNamedBy(localized, { title: { equals: 'x' } }, '*')?.sort()).toEqual([
      'headline',
      'meta',
      'tagline',
      'title',
    ])
    // Nothing named, nothing to read.
    expect(fieldsNamedBy(localized, {}, 'all')).toEqual([])
  })

  it("under locale 'all' leaves out the localized fields db-sqlite keeps outside its locale rows", () => {
    const kinds = [
      { name: 'headline', type: 'text', localized: true },
      { name: 'links', type: 'array', localized: true },
      { name: 'layout', type: 'blocks', localized: true },
      { name: 'keywords', type: 'text', hasMany: true, localized: true },
      { name: 'sizes', type: 'select', hasMany: true, localized: true },
      { name: 'sponsor', type: 'relationship', localized: true, relationTo: 'authors' },
      { name: 'cover', type: 'upload', localized: true, relationTo: 'media' },
      { name: 'sponsors', type: 'relationship', hasMany: true, localized: true, relationTo: 'a' },
      { name: 'ref', type: 'relationship', localized: true, relationTo: ['a', 'b'] },
    ] as unknown as FlattenedField[]
    expect(fieldsNamedBy(kinds, { headline: { equals: null } }, 'all')?.sort()).toEqual([
      'cover',
      'headline',
      'sponsor',
    ])
  })
})
