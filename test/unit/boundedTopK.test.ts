import fc from 'fast-check'

import { BoundedTopK } from '../../src/utilities/boundedTopK.js'

type Row = { position: number; value: number }

/** By value, ties broken by position: a total order, as the query comparator's id tie-break. */
const byValue = (a: Row, b: Row) => a.value - b.value || a.position - b.position
const byValueDescending = (a: Row, b: Row) => b.value - a.value || a.position - b.position

const rows = (values: number[]): Row[] => values.map((value, position) => ({ position, value }))

describe('BoundedTopK', () => {
  it('keeps exactly the first `capacity` of the full sort, whatever the offer order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ max: 20, min: -20 }), { maxLength: 200 }),
        fc.integer({ max: 30, min: 0 }),
        (values, capacity) => {
          const offered = rows(values)
          const top = new BoundedTopK(capacity, byValue)
          offered.forEach((row) => top.offer(row))
          expect(top.sorted()).toEqual([...offered].sort(byValue).slice(0, capacity))
          expect(top.size).toBe(Math.min(capacity, offered.length))
        },
      ),
    )
  })

  it('re-ordered with another comparator keeps its items and continues under the new order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ max: 9, min: 0 }), { maxLength: 60 }),
        fc.array(fc.integer({ max: 9, min: 0 }), { maxLength: 60 }),
        fc.integer({ max: 12, min: 1 }),
        (first, second, capacity) => {
          const all = rows([...first, ...second])
          const early = all.slice(0, first.length)
          const late = all.slice(first.length)
          const before = new BoundedTopK(capacity, byValue, early)
          const after = before.withComparator(byValueDescending)
          // Never mutated: the first structure still holds its own answer.
          expect(before.sorted()).toEqual([...early].sort(byValue).slice(0, capacity))
          expect([...after.items()].sort(byValue)).toEqual(before.sorted())
          late.forEach((row) => after.offer(row))
          const expected = [...[...early].sort(byValue).slice(0, capacity), ...late]
            .sort(byValueDescending)
            .slice(0, capacity)
          expect(after.sorted()).toEqual(expected)
        },
      ),
    )
  })

  it('says whether an offered item was kept', () => {
    const top = new BoundedTopK(2, (a: number, b: number) => a - b)
    expect([5, 3, 9, 1, 4].map((value) => top.offer(value))).toEqual([
      true,
      true,
      false,
      true,
      false,
    ])
    expect(top.sorted()).toEqual([1, 3])
  })

  it('with capacity 0 keeps nothing, and refuses a capacity that is not a whole number', () => {
    const none = new BoundedTopK(0, (a: number, b: number) => a - b, [1, 2, 3])
    expect(none.offer(0)).toBe(false)
    expect(none.sorted()).toEqual([])
    expect(() => new BoundedTopK(-1, () => 0)).toThrow(RangeError)
    expect(() => new BoundedTopK(Number.POSITIVE_INFINITY, () => 0)).toThrow(RangeError)
    expect(() => new BoundedTopK(1.5, () => 0)).toThrow(RangeError)
  })
})
