/**
 * Whether DynamoDB can hold a document as a map under `doc` (the layout that filters and
 * projections read attribute by attribute). Valid Payload data that it cannot hold goes to the
 * gzipped layout instead (documentEncoding.ts), where any JSON fits:
 * - maps and lists nest at most 32 levels, the item itself the first: the `doc` map and 30 below
 *   it (a `json` field, a rich text's nested lists, blocks in blocks);
 * - an attribute name is never empty (a `json` field may have a `""` key), nor longer than 64 KB,
 *   nor `__proto__` (the SDK's marshalling drops such a key);
 * - a number's magnitude is 0 or between 1e-130 and 1e126 (a double reaches 1.8e308).
 */
/** The deepest map or list under the item, `doc` being 1. */
const MAX_DEPTH = 31

/** The longest attribute name, in UTF-8 bytes. */
const MAX_NAME_BYTES = 65_535

const storableNumber = (value: number): boolean => {
  const magnitude = Math.abs(value)
  return magnitude === 0 || (magnitude >= 1e-130 && magnitude < 1e126)
}

function fits(value: unknown, depth: number): boolean {
  if (typeof value === 'number') {
    return storableNumber(value)
  }
  if (value === null || typeof value !== 'object') {
    return true
  }
  if (depth > MAX_DEPTH) {
    return false
  }
  if (Array.isArray(value)) {
    return value.every((item) => fits(item, depth + 1))
  }
  return Object.entries(value).every(
    ([key, item]) =>
      key !== '' &&
      key !== '__proto__' &&
      Buffer.byteLength(key, 'utf8') <= MAX_NAME_BYTES &&
      fits(item, depth + 1),
  )
}

/** `doc`: the document as stored (after `toStorable`), the map at the item's first level. */
export function mapStorable(doc: Record<string, unknown>): boolean {
  return fits(doc, 1)
}
