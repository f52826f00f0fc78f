/**
 * A plain object: not an array, a Date, a Buffer or any other built-in. Judged by its tag, not
 * by its prototype: objects made in another realm (a `vm` context, `structuredClone` under
 * Jest's module VM) have another `Object.prototype` and are still plain; a `where` whose
 * conditions were skipped for that matched every document.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.prototype.toString.call(value) === '[object Object]'
  )
}
