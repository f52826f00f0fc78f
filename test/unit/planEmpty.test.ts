/**
 * Conditions no document can satisfy are planned as `empty` (answered without a request), and no
 * index plan ever holds a key range whose bounds cross (DynamoDB rejects such a `BETWEEN`).
 */
import type { Where } from 'payload'

import type { IndexDefinition, IndexPart } from '../../src/indexes/definitions.js'
import type { Namespace } from '../../src/namespaces.js'
import type { Plan } from '../../src/query/plan/types.js'

import { maxTextFor } from '../../src/indexes/definitions.js'
import { invertedRange, rangesFor } from '../../src/query/plan/indexRanges.js'
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
  { name: 'when', parts: [part('when', 'date')], unique: false },
  { name: 'flag', parts: [part('flag', 'boolean')], unique: false },
  { name: 'author', parts: [part('author', 'relationship')], unique: false },
  { name: 'tags', parts: [part('tags', 'relationship', { multiValued: true })], unique: false },
  { name: 'ratings', parts: [part('ratings', 'number', { multiValued: true })], unique: false },
]

const plan = (where: Where, input: Partial<Parameters<typeof planQuery>[0]> = {}): Plan =>
  planQuery({ definitions, locale: 'en', namespace, needsTotal: true, want: 10, where, ...input })

/** Every range of an index plan is a valid `BETWEEN` (from <= to). */
const rangesAreValid = (chosen: Plan) =>
  chosen.kind !== 'index' ||
  chosen.reads.every((read) => read.ranges.length > 0 && !read.ranges.some(invertedRange))

describe('planQuery: conditions nothing can satisfy', () => {
  it('plans a contradictory range on an indexed number as empty (the issue example)', () => {
    const chosen = plan({
      and: [{ views: { greater_than: 441 } }, { views: { less_than_equal: 361 } }],
    })
    expect(chosen).toMatchObject({ kind: 'empty', path: 'views' })
    expect(chosen.kind === 'empty' && chosen.reason).toMatch(/views/)
  })

  it('plans crossing bounds in one operator object, and touching strict bounds, as empty', () => {
    expect(plan({ views: { greater_than_equal: 10, less_than: -3 } })).toMatchObject({
      kind: 'empty',
    })
    expect(plan({ views: { greater_than: 5, less_than_equal: 5 } })).toMatchObject({
      kind: 'empty',
    })
    expect(plan({ views: { greater_than_equal: 5, less_than: 5 } })).toMatchObject({
      kind: 'empty',
    })
    expect(
      plan({
        when: { greater_than: '2024-06-01T00:00:00.000Z', less_than: '2024-01-01T00:00:00.000Z' },
      }),
    ).toMatchObject({ kind: 'empty' })
    expect(plan({ status: { greater_than: 'm', less_than: 'b' } })).toMatchObject({
      kind: 'empty',
    })
  })

  it('keeps a range that holds exactly one value', () => {
    const chosen = plan({ views: { greater_than_equal: 5, less_than_equal: 5 } })
    expect(chosen).toMatchObject({ kind: 'index' })
    expect(rangesAreValid(chosen)).toBe(true)
  })

  it('plans an empty `in` list as empty, on indexed, unindexed and id paths', () => {
    expect(plan({ views: { in: [] } })).toMatchObject({ kind: 'empty', path: 'views' })
    expect(plan({ body: { in: [] } })).toMatchObject({ kind: 'empty', path: 'body' })
    expect(plan({ id: { in: [] } })).toMatchObject({ kind: 'empty' })
    expect(plan({ and: [{ status: { equals: 'x' } }, { tags: { in: [] } }] })).toMatchObject({
      kind: 'empty',
    })
  })

  it('plans two different equalities on one single-valued field as empty', () => {
    expect(plan({ and: [{ views: { equals: 3 } }, { views: { equals: 4 } }] })).toMatchObject({
      kind: 'empty',
    })
    expect(
      plan({ and: [{ status: { equals: 'a' } }, { status: { in: ['b', 'c'] } }] }),
    ).toMatchObject({ kind: 'empty' })
    expect(plan({ and: [{ views: { equals: 3 } }, { views: { greater_than: 3 } }] })).toMatchObject(
      { kind: 'empty' },
    )
    expect(
      plan({ and: [{ flag: { equals: true } }, { flag: { equals: 'false' } }] }),
    ).toMatchObject({ kind: 'empty' })
  })

  it('intersects equalities and ranges when something can still match', () => {
    const same = plan({ and: [{ views: { equals: 3 } }, { views: { equals: '3' } }] })
    expect(same).toMatchObject({ kind: 'index' })
    expect(same.kind === 'index' && same.reads[0].ranges).toHaveLength(1)
    const narrowed = plan({
      and: [{ status: { in: ['a', 'b', 'c'] } }, { status: { in: ['c', 'b', 'z'] } }],
    })
    expect(narrowed.kind === 'index' && narrowed.reads[0].ranges).toHaveLength(2)
    const inRange = plan({ and: [{ views: { in: [1, 5, 9] } }, { views: { less_than: 6 } }] })
    expect(inRange.kind === 'index' && inRange.reads[0].ranges).toHaveLength(2)
  })

  it('never calls a multi-valued field contradictory: one document can hold 1 and 5', () => {
    const both = plan({ and: [{ tags: { equals: 'a' } }, { tags: { equals: 'b' } }] })
    expect(both).toMatchObject({ kind: 'index' })
    const crossing = plan({
      and: [{ ratings: { greater_than: 4 } }, { ratings: { less_than: 2 } }],
    })
    // A document with ratings [1, 5] matches: the range is not intersected.
    expect(crossing).toMatchObject({ kind: 'index' })
    expect(rangesAreValid(crossing)).toBe(true)
  })

  it('leaves values the index would key differently from the evaluator to the evaluator', () => {
    // The evaluator reads `' '` as NULL for a number, a bad date as matching nothing, `'TRUE'` as
    // true, and `'05'` as the id 5: no key range can stand for those.
    for (const where of [
      { views: { equals: ' ' } },
      { views: { equals: Number.NaN } },
      { when: { equals: 'not a date' } },
      { flag: { equals: 'TRUE' } },
      { author: { equals: '05' } },
      { author: { greater_than: 3 } },
    ] as Where[]) {
      expect(plan(where)).toMatchObject({ kind: 'partition' })
    }
    // A contradiction needs values the evaluator compares like the index does.
    expect(plan({ and: [{ views: { equals: 3 } }, { views: { equals: ' ' } }] })).toMatchObject({
      kind: 'index',
    })
  })

  it('compares keys in DynamoDB order (code points), not UTF-16 units', () => {
    // U+FF5E sorts before U+1F600 in UTF-8 but after it in UTF-16.
    const chosen = plan({ status: { greater_than_equal: '\uff5e', less_than_equal: '\u{1f600}' } })
    expect(chosen).toMatchObject({ kind: 'index' })
    expect(rangesAreValid(chosen)).toBe(true)
    expect(plan({ status: { greater_than: '\u{1f600}', less_than: '\uff5e' } })).toMatchObject({
      kind: 'empty',
    })
  })

  it('does not call cut-short texts equal: two long values with one prefix may both match', () => {
    const long = 'x'.repeat(300)
    const chosen = plan({ status: { greater_than: `${long}a`, less_than: `${long}b` } })
    expect(chosen).toMatchObject({ kind: 'index' })
    expect(rangesAreValid(chosen)).toBe(true)
  })

  it('drops empty branches of an or, and is empty when every branch is', () => {
    const union = plan({ or: [{ views: { in: [] } }, { status: { equals: 'a' } }] })
    expect(union.kind === 'index' && union.reads.map((read) => read.definition.name)).toEqual([
      'status',
    ])
    expect(
      plan({
        or: [
          { views: { in: [] } },
          { and: [{ views: { greater_than: 9 } }, { views: { less_than: 1 } }] },
        ],
      }),
    ).toMatchObject({ kind: 'empty' })
  })

  it('rangesFor reports no range, never a crossing one', () => {
    const views = part('views', 'number')
    expect(
      rangesFor(views, [
        { operator: 'greater_than', path: 'views', value: 441 },
        { operator: 'less_than_equal', path: 'views', value: 361 },
      ]),
    ).toMatchObject({ ranges: [], selectivity: 4 })
  })
})
