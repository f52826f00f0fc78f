/**
 * The size DynamoDB counts for a value (its 400 KB item and 4 MB transaction limits): strings and
 * binaries by their bytes, a number by its significant digits (about one byte per two, plus one),
 * `null` and booleans one byte, and each list or map 3 bytes plus one per element, with the
 * element names of a map. JSON's length can be a third smaller (`[1,1,...]`: 2 bytes an element
 * in JSON, 3 in DynamoDB), so a limit checked against JSON lets items through that DynamoDB
 * refuses.
 */
export function attributeSize(value: unknown): number {
  if (typeof value === 'string') {
    return Buffer.byteLength(value, 'utf8')
  }
  if (typeof value === 'number') {
    return numberSize(value)
  }
  if (value instanceof Uint8Array) {
    return value.byteLength
  }
  if (value === null || typeof value !== 'object') {
    return 1
  }
  let size = 3
  if (Array.isArray(value)) {
    for (const item of value) {
      size += 1 + attributeSize(item)
    }
    return size
  }
  for (const [name, item] of Object.entries(value)) {
    if (item !== undefined) {
      size += 1 + Buffer.byteLength(name, 'utf8') + attributeSize(item)
    }
  }
  return size
}

function numberSize(value: number): number {
  const digits = String(Math.abs(value))
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '')
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1
}

/**
 * At most how large DynamoDB counts a value whose JSON takes `jsonBytes`: twice the JSON (its
 * count never passes that: a digit, or `[]` inside a list, takes twice its JSON, the rest less)
 * up to `measureAbove` bytes of JSON, measured beyond.
 */
export function sizeAtMost(value: unknown, jsonBytes: number, measureAbove: number): number {
  return jsonBytes <= measureAbove ? jsonBytes * 2 : Math.max(jsonBytes, attributeSize(value))
}
