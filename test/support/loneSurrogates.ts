/** A UTF-16 unit of a surrogate pair without its other half. */
export const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/** Where `value` (a request's input) holds a lone surrogate, in a string or in a key. */
export function loneSurrogatePaths(value: unknown, path = ''): string[] {
  if (typeof value === 'string') {
    return LONE_SURROGATE.test(value) ? [path] : []
  }
  if (Array.isArray(value)) {
    return value.flatMap((each, i) => loneSurrogatePaths(each, `${path}[${i}]`))
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, each]) => [
      ...(LONE_SURROGATE.test(key) ? [`${path}.<key ${key.length}>`] : []),
      ...loneSurrogatePaths(each, `${path}.${key}`),
    ])
  }
  return []
}
