/**
 * Order-preserving encoding of index values into sort-key strings.
 *
 * DynamoDB compares string sort keys by their UTF-8 bytes. Each value becomes a type tag followed
 * by a body whose byte order matches the value's order, then a terminator that sorts below every
 * body character, so `encode(a) < encode(b)` exactly when `a < b`, and no encoded value is a prefix
 * of another's continuation (`"ab"` ends before `"abc"` begins to differ).
 */

/** Ends every encoded value. Lower than any byte a body can contain. */
export const VALUE_TERMINATOR = '\u0001\u0001'

const TAG = {
  boolean: 'B',
  null: 'A',
  number: 'N',
  string: 'S',
} as const

/**
 * Strings: U+0000 and U+0001 are escaped (U+0001 is the escape character), everything else is
 * kept; UTF-8 byte order equals code point order, which is what DynamoDB sorts by.
 */
function encodeString(value: string): string {
  return value.replace(/[\u0000\u0001]/g, (char) =>
    char === '\u0000' ? '\u0001\u0002' : '\u0001\u0003',
  )
}

/**
 * Numbers: the IEEE-754 bits, big-endian, with the sign bit flipped for positives and every bit
 * flipped for negatives, as 16 hex digits. -0 is folded into 0.
 */
function encodeNumber(value: number): string {
  const buffer = Buffer.alloc(8)
  buffer.writeDoubleBE(value === 0 ? 0 : value)
  if (value < 0) {
    for (let i = 0; i < 8; i++) {
      buffer[i] = ~buffer[i] & 0xff
    }
  } else {
    buffer[0] ^= 0x80
  }
  return buffer.toString('hex')
}

export type IndexableValue = boolean | null | number | string

/** Encodes one value (without terminator). Dates should be passed as epoch milliseconds. */
export function encodeOrderedValue(value: IndexableValue): string {
  if (value === null) {
    return TAG.null
  }
  switch (typeof value) {
    case 'boolean':
      return `${TAG.boolean}${value ? '1' : '0'}`
    case 'number':
      if (!Number.isFinite(value)) {
        throw new Error(`Cannot index ${value}: only finite numbers are indexable.`)
      }
      return `${TAG.number}${encodeNumber(value)}`
    default:
      return `${TAG.string}${encodeString(value)}`
  }
}

/** The sort key of an index entry: the encoded value, the terminator, then the document key part. */
export function indexSortKey(value: IndexableValue, encodedID: string): string {
  return `${encodeOrderedValue(value)}${VALUE_TERMINATOR}${encodedID}`
}

/**
 * The value an encoded value (without terminator) stands for: the inverse of
 * `encodeOrderedValue`. Undefined for text that is not an encoded value.
 */
export function decodeOrderedValue(encoded: string): IndexableValue | undefined {
  const body = encoded.slice(1)
  switch (encoded[0]) {
    case TAG.null:
      return body === '' ? null : undefined
    case TAG.boolean:
      return body === '1' ? true : body === '0' ? false : undefined
    case TAG.number:
      return /^[0-9a-f]{16}$/.test(body) ? decodeNumber(body) : undefined
    case TAG.string:
      return decodeString(body)
    default:
      return undefined
  }
}

function decodeNumber(hex: string): number {
  const buffer = Buffer.from(hex, 'hex')
  if (buffer[0] & 0x80) {
    buffer[0] ^= 0x80
  } else {
    for (let i = 0; i < 8; i++) {
      buffer[i] = ~buffer[i] & 0xff
    }
  }
  return buffer.readDoubleBE(0)
}

function decodeString(body: string): string | undefined {
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const char = body[i]
    if (char !== '\u0001') {
      out += char
      continue
    }
    const next = body[++i]
    if (next === '\u0002') {
      out += '\u0000'
    } else if (next === '\u0003') {
      out += '\u0001'
    } else {
      return undefined
    }
  }
  return out
}
