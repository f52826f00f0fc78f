import { attributeSize, sizeAtMost } from '../../src/storage/itemSize.js'

describe('attributeSize (DynamoDB item size rules)', () => {
  it('counts strings by UTF-8 bytes, numbers by significant digits, null and booleans as 1', () => {
    expect(attributeSize('abc')).toBe(3)
    expect(attributeSize('é')).toBe(2)
    expect(attributeSize(1)).toBe(2)
    expect(attributeSize(1234)).toBe(3)
    expect(attributeSize(-0.00012)).toBe(2)
    expect(attributeSize(12345000)).toBe(4)
    expect(attributeSize(null)).toBe(1)
    expect(attributeSize(true)).toBe(1)
    expect(attributeSize(new Uint8Array(10))).toBe(10)
  })

  it('counts 3 bytes per list or map and one per element, with map names', () => {
    expect(attributeSize([])).toBe(3)
    expect(attributeSize([1, 1])).toBe(3 + 2 * 3)
    expect(attributeSize({ ab: 'x' })).toBe(3 + 1 + 2 + 1)
    expect(attributeSize({ a: undefined })).toBe(3)
    expect(attributeSize([[], []])).toBe(3 + 2 * 4)
  })

  it('is more than the JSON for lists of digits, and sizeAtMost never under it', () => {
    const ones = new Array(150_000).fill(1)
    const json = JSON.stringify(ones).length
    expect(attributeSize(ones)).toBeGreaterThan(400_000)
    expect(json).toBeLessThan(350_000)
    expect(sizeAtMost(ones, json, 175_000)).toBe(attributeSize(ones))
    for (const value of [ones, [[[]]], { a: [1, [], true] }, 7, [null, '', 0]]) {
      const bytes = JSON.stringify(value).length
      expect(sizeAtMost(value, bytes, 1_000_000)).toBeGreaterThanOrEqual(attributeSize(value))
    }
  })
})
