/**
 * Values stored exactly as given: a `json` or `richText` field's value may hold keys named like
 * Payload's update operators (`$inc`, `$push`, `$remove`), which are data there, not operators.
 * The write transform marks such values; the update merge takes them whole.
 */
const literals = new WeakSet<object>()

export function asLiteral<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    literals.add(value)
  }
  return value
}

export const isLiteral = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && literals.has(value)
