/**
 * The value an object holds under `key` itself, never one it inherits: a field named `valueOf`
 * or `constructor` that a document lacks has no value, not `Object.prototype`'s function.
 */
export function ownValue(container: object, key: string): unknown {
  return Object.hasOwn(container, key) ? (container as Record<string, unknown>)[key] : undefined
}
