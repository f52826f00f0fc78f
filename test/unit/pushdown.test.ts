import type { FlattenedField, Payload, Where } from 'payload'

import { pushWhere } from '../../src/query/pushdown/pushWhere.js'
import { renderFilter } from '../../src/query/pushdown/renderFilter.js'
import { storedTarget } from '../../src/query/pushdown/storedTarget.js'

const fields = [
  { name: 'title', type: 'text' },
  { name: 'views', type: 'number' },
  { name: 'tags', type: 'text', hasMany: true },
  { name: 'local', type: 'text', localized: true },
  { name: 'when', type: 'date' },
  { name: 'done', type: 'checkbox' },
  { name: 'items', type: 'array', flattenedFields: [{ name: 'label', type: 'text' }] },
  {
    name: 'meta',
    type: 'group',
    flattenedFields: [{ name: 'score', type: 'number' }],
  },
] as unknown as FlattenedField[]

// Sanitation of text and number values does not consult Payload.
const context = { fields, payload: {} as Payload }

const rendered = (where: Where) => {
  const filter = pushWhere(context, where)
  return filter && renderFilter(filter)
}

describe('pushdown', () => {
  it('finds the stored path of plain text and number fields only', () => {
    expect(storedTarget(fields, 'title')).toEqual({ path: ['title'], type: 'S' })
    expect(storedTarget(fields, 'meta.score')).toEqual({ path: ['meta', 'score'], type: 'N' })
    for (const key of ['tags', 'local', 'when', 'done', 'items.label', 'meta', 'id', 'nope']) {
      expect(storedTarget(fields, key)).toBeUndefined()
    }
  })

  it('puts every name and value behind a placeholder and lets document-less items through', () => {
    const out = rendered({ 'meta.score': { greater_than: 3 }, title: { equals: "a'#:b" } })
    expect(out?.expression).toBe(
      '(((NOT (attribute_type(#f0.#f1.#f2, :f0))) OR (#f0.#f1.#f2 > :f1)) AND ((NOT (attribute_type(#f0.#f3, :f2))) OR (#f0.#f3 = :f3))) OR attribute_not_exists(#f0)',
    )
    expect(out?.names).toEqual({ '#f0': 'doc', '#f1': 'meta', '#f2': 'score', '#f3': 'title' })
    expect(out?.values).toEqual({ ':f0': 'N', ':f1': 3, ':f2': 'S', ':f3': "a'#:b" })
  })

  it('sanitizes values as the evaluator does and pushes nothing it cannot compare exactly', () => {
    expect(rendered({ views: { equals: '7' } })?.values[':f1']).toBe(7)
    expect(rendered({ title: { equals: 7 } })?.values[':f1']).toBe('7')
    // A lone surrogate compares as U+FFFD, as db-sqlite's UTF-8 parameters and stored text do.
    expect(rendered({ title: { equals: '\ud800' } })?.values[':f1']).toBe('\ufffd')
    for (const where of [
      { views: { equals: 'abc' } },
      { views: { equals: 1e300 } },
      { views: { greater_than: null } },
      { title: { like: 'x' } },
      { title: { contains: 'x' } },
      { title: { equals: ['a'] } },
      { title: { in: [] } },
      { title: { in: Array.from({ length: 101 }, (_, index) => `v${index}`) } },
      { when: { equals: '2024-01-01' } },
      { tags: { equals: 'a' } },
    ] as Where[]) {
      expect(rendered(where)).toBeUndefined()
    }
  })

  it('keeps an and of what it can push, and drops an or with a branch it cannot push', () => {
    const partial = pushWhere(context, {
      and: [{ title: { like: 'x' } }, { views: { less_than: 5 } }],
    })
    expect(partial && renderFilter(partial).values).toEqual({ ':f0': 'N', ':f1': 5 })
    expect(
      pushWhere(context, { or: [{ title: { like: 'x' } }, { views: { less_than: 5 } }] }),
    ).toBeUndefined()
    expect(pushWhere(context, { or: [{ title: { equals: 'x' } }, {}] })).toBeUndefined()
    const both = pushWhere(context, { or: [{ title: { equals: 'x' } }, { views: { equals: 1 } }] })
    expect(both?.kind).toBe('or')
  })

  it('exists: true needs the attribute; false drops only values of the field type', () => {
    expect(rendered({ title: { exists: true } })?.expression).toBe(
      '(attribute_exists(#f0.#f1)) OR attribute_not_exists(#f0)',
    )
    expect(rendered({ title: { exists: false } })?.expression).toBe(
      '(NOT (attribute_type(#f0.#f1, :f0))) OR attribute_not_exists(#f0)',
    )
  })

  it('in and not_in skip nulls (kept anyway) and cap the list', () => {
    const out = rendered({ views: { not_in: [1, null, '2'] } })
    expect(out?.expression).toBe(
      '((NOT (attribute_type(#f0.#f1, :f0))) OR (NOT (#f0.#f1 IN (:f1, :f2)))) OR attribute_not_exists(#f0)',
    )
    expect(out?.values).toEqual({ ':f0': 'N', ':f1': 1, ':f2': 2 })
  })
})
