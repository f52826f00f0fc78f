import fc from 'fast-check'

import { sqlLike } from '../../src/query/sqlValues.js'

/** SQLite's LIKE as a regular expression (what sqlLike was): the reference for small inputs. */
function byRegExp(text: string, pattern: string): boolean {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase())
  let src = ''
  for (const ch of fold(pattern)) {
    src +=
      ch === '%'
        ? '[\\s\\S]*'
        : ch === '_'
          ? '[\\s\\S]'
          : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  }
  return new RegExp(`^${src}$`, 'u').test(fold(text))
}

describe('LIKE without backtracking', () => {
  it('answers as the regular expression does', () => {
    const alphabet = fc.constantFrom('a', 'b', 'A', '%', '_', 'é', '😀', '.', '*')
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 8 }).map((chars) => chars.join('')),
        fc
          .array(fc.constantFrom('a', 'b', 'B', 'é', '😀', '.', '%', '_'), { maxLength: 10 })
          .map((chars) => chars.join('')),
        (pattern, text) => {
          expect(sqlLike(text, pattern)).toBe(byRegExp(text, pattern))
        },
      ),
      { numRuns: 5000 },
    )
  })

  it('edge cases', () => {
    expect(sqlLike('abc', 'abc')).toBe(true)
    expect(sqlLike('abc', 'ab')).toBe(false)
    expect(sqlLike('abc', '%')).toBe(true)
    expect(sqlLike('', '%')).toBe(true)
    expect(sqlLike('', '_')).toBe(false)
    expect(sqlLike('aba', 'a%a')).toBe(true)
    expect(sqlLike('a', 'a%a')).toBe(false)
    expect(sqlLike('ABC', 'a_c')).toBe(true)
    expect(sqlLike('😀x', '_x')).toBe(true)
    expect(sqlLike(null, '%')).toBe(false)
  })

  it('decides patterns that made the regular expression backtrack for minutes', () => {
    // 2,000 characters with four `%` and no match: over 90 s per document before.
    const text = 'the quick brown fox jumps over the lazy dog '.repeat(46)
    expect(sqlLike(text, '%e%e%e%e%!%')).toBe(false)
    expect(sqlLike('a'.repeat(2000), '%a%a%a%a%a%a%b%')).toBe(false)
    expect(sqlLike(`${text}!`, '%e%e%e%e%!%')).toBe(true)
  })
})
