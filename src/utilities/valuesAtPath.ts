import type { SanitizedConfig } from 'payload'

/**
 * Every value found at a dotted path, stepping into each element of the arrays met on the way
 * (array rows, hasMany values; with `flattenLeaf`, also the elements of an array found at the end).
 * A missing value yields `undefined` once.
 */
export function valuesAtPath(doc: unknown, path: string, flattenLeaf = true): unknown[] {
  const segments = path.split('.')
  let current: unknown[] = [doc]
  for (const segment of segments) {
    const next: unknown[] = []
    for (const value of current) {
      const items = Array.isArray(value) ? value : [value]
      for (const item of items) {
        if (item && typeof item === 'object') {
          next.push((item as Record<string, unknown>)[segment])
        } else {
          next.push(undefined)
        }
      }
    }
    current = next
  }
  return flattenLeaf
    ? current.flatMap((value) => (Array.isArray(value) ? value : [value]))
    : current
}

export function defaultLocaleOf(config: SanitizedConfig): string | undefined {
  return config.localization ? config.localization.defaultLocale : undefined
}
