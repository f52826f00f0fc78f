import { mergeUpdate } from '../../src/write/mergeUpdate.js'

describe('mergeUpdate with $push', () => {
  const stored = {
    authors: ['a1'],
    owners: [{ relationTo: 'users', value: 'u1' }],
    rows: [{ id: 'r1', x: 'a' }],
  }

  it('appends array rows, with or without an id', () => {
    expect(mergeUpdate(stored, { rows: { $push: { x: 'b' } } }).rows).toEqual([
      { id: 'r1', x: 'a' },
      // Before: taken for the same relation as the first row (both without relationTo/value).
      { x: 'b' },
    ])
    expect(
      mergeUpdate(stored, { rows: { $push: [{ id: 'r1', x: 'a' }, { x: 'c' }] } }).rows,
    ).toEqual([{ id: 'r1', x: 'a' }, { id: 'r1', x: 'a' }, { x: 'c' }])
  })

  it('keeps hasMany relationships a set', () => {
    expect(mergeUpdate(stored, { authors: { $push: ['a1', 'a2'] } }).authors).toEqual(['a1', 'a2'])
    expect(
      mergeUpdate(stored, {
        owners: {
          $push: [
            { relationTo: 'users', value: 'u1' },
            { relationTo: 'teams', value: 'u1' },
          ],
        },
      }).owners,
    ).toEqual([
      { relationTo: 'users', value: 'u1' },
      { relationTo: 'teams', value: 'u1' },
    ])
  })
})
