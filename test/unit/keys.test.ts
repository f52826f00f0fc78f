import { createHash } from 'node:crypto'

import fc from 'fast-check'

import type { NamespaceKind } from '../../src/keys/itemKeys.js'

import { encodeID, encodeName, MAX_PLAIN_ID_BYTES } from '../../src/keys/encoding.js'
import {
  documentKey,
  DOCUMENT_SK_PREFIX,
  globalKey,
  partitionKey,
} from '../../src/keys/itemKeys.js'

/** DynamoDB's limits on key attributes, in UTF-8 bytes. */
const MAX_SORT_KEY_BYTES = 1024
const MAX_PARTITION_KEY_BYTES = 2048

const KINDS: NamespaceKind[] = ['collection', 'global', 'globalVersions', 'versions']

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8')
const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')
const flatKey = ({ pk, sk }: { pk: string; sk: string }): string => JSON.stringify([pk, sk])

/** Characters that matter to the key format, plus a few multi-byte and combining ones. */
const trickyChar = fc.constantFrom(
  '#',
  '=',
  '~',
  '%',
  '2',
  '3',
  'D',
  'C',
  'a',
  ' ',
  '\u0000',
  'é', // U+00E9, precomposed
  'e',
  '\u0301', // combining acute accent
  '中',
  '😀',
)
/** Short strings over a small alphabet: many near-identical pairs. */
const trickyString = fc.string({ maxLength: 12, unit: trickyChar })
/** Any well-formed Unicode text. */
const unicodeString = fc.string({ maxLength: 40, unit: 'grapheme' })
/** Ids around the verbatim/digest boundary, and far beyond it. */
const longString = fc
  .tuple(
    fc.constantFrom(
      MAX_PLAIN_ID_BYTES - 3,
      MAX_PLAIN_ID_BYTES - 1,
      MAX_PLAIN_ID_BYTES,
      5_000,
      10_000,
    ),
    trickyString,
  )
  .map(([length, tail]) => 'x'.repeat(length) + tail)
const anyID = fc.oneof(trickyString, unicodeString, longString)

describe('encodeID', () => {
  it('keeps ids up to the limit verbatim behind "="', () => {
    for (const id of [
      '',
      ' ',
      'abc',
      '#',
      '=',
      '~',
      '%23',
      'D#=x',
      '\u0000',
      '😀',
      'x'.repeat(900),
    ]) {
      expect(encodeID(id)).toBe(`=${id}`)
    }
  })

  it('measures the limit in UTF-8 bytes, not characters', () => {
    const ascii = 'a'.repeat(MAX_PLAIN_ID_BYTES)
    const cjk = '中'.repeat(MAX_PLAIN_ID_BYTES / 3) // 3 bytes each
    const emoji = '😀'.repeat(MAX_PLAIN_ID_BYTES / 4) // 4 bytes each
    for (const id of [ascii, cjk, emoji]) {
      expect(bytes(id)).toBe(MAX_PLAIN_ID_BYTES)
      expect(encodeID(id)).toBe(`=${id}`)
    }
    for (const id of [
      `${ascii}a`,
      `${cjk}中`,
      `${emoji}😀`,
      `${'a'.repeat(MAX_PLAIN_ID_BYTES - 1)}é`,
    ]) {
      expect(encodeID(id)).toBe(`~${sha256(id)}`)
    }
  })

  it('stores longer ids (10 kB) as "~" + SHA-256 hex, well under the sort key limit', () => {
    const id = 'z'.repeat(10_000)
    const encoded = encodeID(id)
    expect(encoded).toMatch(/^~[0-9a-f]{64}$/)
    expect(encoded).toBe(`~${sha256(id)}`)
    expect(bytes(`${DOCUMENT_SK_PREFIX}${encoded}`)).toBeLessThan(MAX_SORT_KEY_BYTES)
  })

  it('tells 10 kB ids apart that differ in one character, first or last', () => {
    const base = 'q'.repeat(10_000)
    const variants = [base, `r${base.slice(1)}`, `${base.slice(0, -1)}r`, `${base}q`, base.slice(1)]
    expect(new Set(variants.map(encodeID)).size).toBe(variants.length)
  })

  it('never confuses a verbatim id with a digest', () => {
    const long = 'L'.repeat(2_000)
    const digest = encodeID(long)
    // An id that spells out the digest form is still a verbatim id.
    expect(encodeID(digest)).toBe(`=${digest}`)
    expect(encodeID(digest)).not.toBe(digest)
    expect(encodeID(digest.slice(1))).not.toBe(digest)
  })

  it('does not normalize Unicode: precomposed and combining forms are different ids', () => {
    const precomposed = 'caf\u00e9'
    const combining = 'cafe\u0301'
    expect(precomposed.normalize('NFC')).toBe(combining.normalize('NFC'))
    expect(encodeID(precomposed)).not.toBe(encodeID(combining))
    expect(encodeID('中文')).not.toBe(encodeID('中')) // prefix of another id
    expect(encodeID('👍🏽')).not.toBe(encodeID('👍')) // skin tone modifier
  })

  it('writes numbers in canonical decimal form, the same as the equal text id', () => {
    // A collection has one id type (see coerceID), so `1` and `'1'` never share a partition.
    expect(encodeID(1)).toBe('=1')
    expect(encodeID(1)).toBe(encodeID('1'))
    expect(encodeID(1.0)).toBe('=1')
    expect(encodeID(-0)).toBe(encodeID(0))
    expect(encodeID(-5)).toBe('=-5')
    expect(encodeID(0.5)).toBe('=0.5')
    expect(encodeID(1e21)).toBe('=1e+21')
    expect(encodeID(Number.MAX_SAFE_INTEGER)).toBe('=9007199254740991')
  })

  it('gives distinct numbers distinct keys', () => {
    fc.assert(
      fc.property(
        fc.double({ noDefaultInfinity: true, noNaN: true }),
        fc.double({ noDefaultInfinity: true, noNaN: true }),
        (a, b) => {
          fc.pre(a !== b) // -0 === 0: one key for both is right
          expect(encodeID(a)).not.toBe(encodeID(b))
        },
      ),
    )
  })

  it('gives distinct ids distinct keys (property)', () => {
    fc.assert(
      fc.property(anyID, anyID, (a, b) => {
        fc.pre(a !== b)
        expect(encodeID(a)).not.toBe(encodeID(b))
      }),
      { numRuns: 2_000 },
    )
  })

  it('is deterministic and stays within the sort key limit (property)', () => {
    fc.assert(
      fc.property(anyID, (id) => {
        const encoded = encodeID(id)
        expect(encodeID(id)).toBe(encoded)
        expect(encoded).toMatch(/^[=~]/)
        if (bytes(id) <= MAX_PLAIN_ID_BYTES) {
          expect(encoded.slice(1)).toBe(id)
        } else {
          expect(encoded).toMatch(/^~[0-9a-f]{64}$/)
        }
        expect(bytes(`${DOCUMENT_SK_PREFIX}${encoded}`)).toBeLessThanOrEqual(MAX_SORT_KEY_BYTES)
      }),
      { numRuns: 500 },
    )
  })

  it('rejects ids holding lone surrogates, which DynamoDB cannot store distinctly', () => {
    const tail = 'x'.repeat(MAX_PLAIN_ID_BYTES)
    expect(() => encodeID(`\ud800${tail}`)).toThrow(/surrogate/)
    expect(() => encodeID('a\udfff')).toThrow(/surrogate/)
    expect(encodeID('paired 🙂')).toBe('=paired 🙂')
  })
})

describe('encodeName', () => {
  it('escapes % and # so the result never contains the separator', () => {
    expect(encodeName('posts')).toBe('posts')
    expect(encodeName('a#b')).toBe('a%23b')
    expect(encodeName('a%b')).toBe('a%25b')
    expect(encodeName('a%23b')).toBe('a%2523b')
    expect(encodeName('payload-migrations')).toBe('payload-migrations')
  })

  it('is injective and #-free (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(trickyString, unicodeString),
        fc.oneof(trickyString, unicodeString),
        (a, b) => {
          expect(encodeName(a)).not.toContain('#')
          expect(decodeName(encodeName(a))).toBe(a)
          if (a !== b) {
            expect(encodeName(a)).not.toBe(encodeName(b))
          }
        },
      ),
      { numRuns: 2_000 },
    )
  })
})

/** The inverse of encodeName, to prove nothing is lost. */
function decodeName(encoded: string): string {
  return encoded.replace(/%23|%25/g, (escape) => (escape === '%23' ? '#' : '%'))
}

describe('item keys', () => {
  it('lays out the documented keys', () => {
    expect(documentKey('collection', 'posts', 'abc')).toEqual({ pk: 'C#posts', sk: 'D#=abc' })
    expect(documentKey('versions', 'posts', 'abc')).toEqual({ pk: 'V#posts', sk: 'D#=abc' })
    expect(documentKey('globalVersions', 'menu', 7)).toEqual({ pk: 'GV#menu', sk: 'D#=7' })
    expect(globalKey('menu')).toEqual({ pk: 'G#menu', sk: 'D#global' })
    expect(documentKey('collection', 'payload-migrations', 'm1').pk).toBe('C#payload-migrations')
    expect(partitionKey('collection', 'we#ird%')).toBe('C#we%23ird%25')
  })

  it('keeps ids out of the partition key: "#x"-style ids cannot reach another namespace', () => {
    const tricks = ['#x', '#', 'x#V#posts', '=x', '~x', '%23', 'global', '=global', 'C#posts']
    for (const id of tricks) {
      const key = documentKey('collection', 'posts', id)
      expect(key.pk).toBe('C#posts')
      expect(key.sk).toBe(`D#=${id}`)
      expect(key.sk).not.toBe(globalKey('posts').sk)
    }
    expect(documentKey('global', 'menu', 'global').sk).not.toBe(globalKey('menu').sk)
  })

  it('keeps slugs from forging another kind or slug', () => {
    // A collection slug that spells another namespace's key stays inside the collection prefix.
    expect(partitionKey('collection', 'posts#x')).not.toBe(partitionKey('collection', 'posts'))
    expect(partitionKey('global', 'V#posts')).toBe('G#V%23posts')
    expect(partitionKey('global', 'V#posts')).not.toBe(partitionKey('globalVersions', 'posts'))
    expect(partitionKey('collection', 'V#posts')).not.toBe(partitionKey('versions', 'posts'))
    expect(partitionKey('global', 'V')).not.toBe(partitionKey('globalVersions', ''))
    expect(partitionKey('collection', 'posts%23x')).not.toBe(partitionKey('collection', 'posts#x'))
  })

  it('gives every (kind, slug) its own partition key with exactly one separator (property)', () => {
    const namespace = fc.tuple(fc.constantFrom(...KINDS), fc.oneof(trickyString, unicodeString))
    fc.assert(
      fc.property(namespace, namespace, ([kindA, slugA], [kindB, slugB]) => {
        const pkA = partitionKey(kindA, slugA)
        expect(pkA).toMatch(/^(C|G|GV|V)#[^#]*$/)
        if (kindA !== kindB || slugA !== slugB) {
          expect(pkA).not.toBe(partitionKey(kindB, slugB))
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it('keeps a slug apart from its own escaped spelling (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), trickyString, (kind, slug) => {
        for (const spelled of [
          slug.replace(/#/g, '%23'),
          slug.replace(/%/g, '%25'),
          encodeName(slug),
        ]) {
          if (spelled !== slug) {
            expect(partitionKey(kind, spelled)).not.toBe(partitionKey(kind, slug))
          }
        }
      }),
      { numRuns: 1_000 },
    )
  })

  it('gives distinct (kind, slug, id) distinct item keys within DynamoDB limits (property)', () => {
    const item = fc.tuple(fc.constantFrom(...KINDS), fc.oneof(trickyString, unicodeString), anyID)
    fc.assert(
      fc.property(item, item, ([kindA, slugA, idA], [kindB, slugB, idB]) => {
        const keyA = documentKey(kindA, slugA, idA)
        expect(keyA.sk.startsWith('D#=') || keyA.sk.startsWith('D#~')).toBe(true)
        expect(bytes(keyA.sk)).toBeLessThanOrEqual(MAX_SORT_KEY_BYTES)
        expect(bytes(keyA.pk)).toBeLessThanOrEqual(MAX_PARTITION_KEY_BYTES)
        expect(keyA.sk).not.toBe(globalKey(slugA).sk)
        if (kindA !== kindB || slugA !== slugB || idA !== idB) {
          expect(flatKey(keyA)).not.toBe(flatKey(documentKey(kindB, slugB, idB)))
        }
      }),
      { numRuns: 2_000 },
    )
  })

  it('keeps a numeric id and its text form apart only by the namespace id type', () => {
    // Same key by design: coerceID turns ids into the namespace's type before keying.
    expect(documentKey('collection', 'numbers', 42)).toEqual(
      documentKey('collection', 'numbers', '42'),
    )
    expect(documentKey('collection', 'numbers', 42)).not.toEqual(
      documentKey('collection', 'numbers', '042'),
    )
    expect(documentKey('collection', 'numbers', 42)).not.toEqual(
      documentKey('collection', 'numbers', '42.0'),
    )
  })
})
