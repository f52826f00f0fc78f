import fc from 'fast-check'

import { encodeID } from '../../src/keys/encoding.js'
import {
  decodeOrderedValue,
  encodeOrderedValue,
  indexSortKey,
} from '../../src/keys/orderedValue.js'

/** DynamoDB orders string keys by UTF-8 bytes. */
const byteOrder = (a: string, b: string) =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0)

describe('order-preserving value encoding', () => {
  it('orders numbers, including negatives, decimals and zero', () => {
    const values = [-1e300, -1000.5, -1, -0.25, 0, 1e-9, 0.25, 1, 2, 10, 1000.5, 1e300]
    const encoded = values.map((value) => encodeOrderedValue(value))
    const sorted = [...encoded].sort(byteOrder)
    expect(sorted).toEqual(encoded)
    expect(encodeOrderedValue(-0)).toBe(encodeOrderedValue(0))
  })

  it('orders any two finite numbers like < does', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        (a, b) => {
          const expected = a === b || (a === 0 && b === 0) ? 0 : a < b ? -1 : 1
          expect(sign(byteOrder(encodeOrderedValue(a), encodeOrderedValue(b)))).toBe(expected)
        },
      ),
    )
  })

  it('orders strings by code point, with control characters escaped', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const expected = byteOrder(a, b)
        expect(sign(byteOrder(encodeOrderedValue(a), encodeOrderedValue(b)))).toBe(sign(expected))
      }),
    )
    expect(encodeOrderedValue('a\u0000b')).not.toContain('\u0000')
  })

  it('keeps a value sorted before longer values it prefixes, whatever the id', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ minLength: 1 }),
        fc.string(),
        fc.string(),
        (value, extra, idA, idB) => {
          const shorter = indexSortKey(value, encodeID(idA))
          const longer = indexSortKey(value + extra, encodeID(idB))
          expect(byteOrder(shorter, longer)).toBeLessThan(0)
        },
      ),
    )
  })

  it('rejects values that cannot be ordered', () => {
    expect(() => encodeOrderedValue(Number.NaN)).toThrow(/finite/)
    expect(() => encodeOrderedValue(Number.POSITIVE_INFINITY)).toThrow(/finite/)
  })

  it('decodes every encoded value back to itself (-0 as 0)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.string({ unit: 'binary' }),
          fc.boolean(),
          fc.constant(null),
        ),
        (value) => {
          const expected = value === 0 ? 0 : value
          expect(decodeOrderedValue(encodeOrderedValue(value))).toBe(expected)
        },
      ),
    )
    expect(decodeOrderedValue('S\u0001\u0002a\u0001\u0003')).toBe('\u0000a\u0001')
    expect(decodeOrderedValue('S\u0001x')).toBeUndefined()
    expect(decodeOrderedValue('Nzz')).toBeUndefined()
    expect(decodeOrderedValue('X')).toBeUndefined()
  })
})
