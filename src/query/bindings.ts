import type { Doc } from './types.js'
import type { Binding, JoinSpec } from './paths.js'

/** Guard against pathological cross products (many large arrays in one where). */
const MAX_COMBINATIONS = 200_000

/**
 * Every combination of one row per join (parents are listed before their nested joins); an empty
 * join contributes one NULL row, like a SQL LEFT JOIN. The yielded map is reused: read it, don't keep it.
 */
export function* enumerateBindings(doc: Doc, joins: JoinSpec[]): Generator<Binding> {
  const binding: Binding = new Map()
  if (!joins.length) {
    yield binding
    return
  }
  let produced = 0
  function* step(i: number): Generator<Binding> {
    if (i === joins.length) {
      produced += 1
      yield binding
      return
    }
    const join = joins[i]
    const rows = join.rows(doc, binding)
    const candidates = rows.length ? rows : [null]
    for (const row of candidates) {
      if (produced >= MAX_COMBINATIONS) {
        return
      }
      binding.set(join.key, row)
      yield* step(i + 1)
    }
    binding.delete(join.key)
  }
  yield* step(0)
}
