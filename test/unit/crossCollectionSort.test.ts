import type { FlattenedField, Payload } from 'payload'

import type { SortableEntry } from '../../src/read/joins/crossCollectionSort.js'

import { crossCollectionComparator } from '../../src/read/joins/crossCollectionSort.js'

/**
 * A polymorphic join's documents sorted by a field holding several values sort as one
 * collection's do (compileSort.ts): by the smallest ascending, the largest descending, missing
 * values first ascending (before: by the first value stored).
 */
describe('crossCollectionComparator', () => {
  const fields = [{ name: 'nums', type: 'number', hasMany: true }] as FlattenedField[]
  const entry = (id: string, nums?: number[]): SortableEntry => ({
    id,
    fields,
    view: nums ? { nums } : {},
  })
  const entries = [entry('a', [5, 1]), entry('b', [3]), entry('c'), entry('d', [2, 4])]
  const sorted = (sort: string) =>
    [...entries]
      .sort(crossCollectionComparator(sort, { payload: {} as Payload }))
      .map((each) => each.id)

  it('takes the smallest value ascending and the largest descending', () => {
    expect(sorted('nums')).toEqual(['c', 'a', 'd', 'b'])
    expect(sorted('-nums')).toEqual(['a', 'd', 'b', 'c'])
  })
})
