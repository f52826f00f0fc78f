import type { FlattenedField } from 'payload'

import { withEmptyLists } from '../../src/query/emptyLists.js'

const fields = [
  { name: 'title', type: 'text' },
  { name: 'tags', type: 'relationship', hasMany: true, relationTo: 'tags' },
  {
    name: 'rows',
    type: 'array',
    flattenedFields: [{ name: 'nums', type: 'number', hasMany: true }],
  },
  {
    name: 'group',
    type: 'group',
    flattenedFields: [{ name: 'picks', type: 'select', hasMany: true }],
  },
  {
    name: 'localizedList',
    type: 'array',
    localized: true,
    flattenedFields: [{ name: 'words', type: 'text', hasMany: true }],
  },
  {
    name: 'seo',
    type: 'group',
    localized: true,
    flattenedFields: [
      { name: 'title', type: 'text' },
      { name: 'keywords', type: 'text', hasMany: true },
      { name: 'links', type: 'array', flattenedFields: [] },
    ],
  },
  { name: 'computed', type: 'array', virtual: true, flattenedFields: [] },
  {
    name: 'layout',
    type: 'blocks',
    blocks: [
      { slug: 'hero', flattenedFields: [{ name: 'links', type: 'array', flattenedFields: [] }] },
    ],
  },
] as unknown as FlattenedField[]

describe('withEmptyLists', () => {
  it('reads never-written lists as [] at every depth, and leaves the rest alone', () => {
    const stored = {
      id: '1',
      title: 'x',
      rows: [{ id: 'r' }],
      group: {},
      layout: [{ blockType: 'hero', id: 'b' }],
    }
    expect(withEmptyLists(stored, fields)).toEqual({
      group: { picks: [] },
      id: '1',
      layout: [{ blockType: 'hero', id: 'b', links: [] }],
      rows: [{ id: 'r', nums: [] }],
      tags: [],
      title: 'x',
    })
    expect(stored).toEqual({
      id: '1',
      title: 'x',
      rows: [{ id: 'r' }],
      group: {},
      layout: [{ blockType: 'hero', id: 'b' }],
    })
  })

  it('returns the same object when nothing is missing', () => {
    const complete = { group: { picks: ['a'] }, layout: [], rows: [], tags: [] }
    expect(withEmptyLists(complete, fields)).toBe(complete)
  })

  it('reads a hasMany field set to null as no values, as the SQL adapters do', () => {
    expect(
      withEmptyLists({ group: { picks: null }, layout: [], rows: [], tags: null }, fields),
    ).toEqual({ group: { picks: [] }, layout: [], rows: [], tags: [] })
  })

  it('shapes each locale of a localized group or list as an unlocalized one', () => {
    const stored = {
      id: '1',
      localizedList: { de: [{ id: 'r' }], en: [{ id: 's', words: ['a'] }] },
      seo: { de: { title: 'Titel' }, en: { keywords: ['k'], title: 'Title' } },
    }
    expect(withEmptyLists(stored, fields)).toMatchObject({
      localizedList: { de: [{ id: 'r', words: [] }], en: [{ id: 's', words: ['a'] }] },
      seo: {
        de: { keywords: [], links: [], title: 'Titel' },
        en: { keywords: ['k'], links: [], title: 'Title' },
      },
    })
  })
})
