import type { IndexDefinition } from './definitionTypes.js'

import { indexSignature } from './indexSignature.js'
import { EPOCH_PREFIX, GENERATION_PREFIX } from './indexEras.js'

/** A recorded index's definition attribute on the namespace's state item (indexRecord.ts). */
export const DEFINITION_PREFIX = 'def:'
/** A built index's attribute (buildState.ts); its value is the built shape's signature. */
export const BUILT_PREFIX = 'idx:'
/** A recorded definition that was dropped: writers stop maintaining it even if they declare it. */
export const DROPPED = 'dropped'

export type IndexChange = {
  defined?: IndexDefinition[]
  dropped?: string[]
  /** No longer recorded (a build that failed): writers go back to what they declare. */
  forgotten?: string[]
  /**
   * Only while the record still holds each of these definitions as written by the failed build
   * (not dropped or redefined by another process since) and does not record it as built in this
   * shape (another process may have completed the same build): otherwise nothing changes and it
   * returns false.
   */
  onlyIfOwn?: IndexDefinition[]
  /**
   * Counted afresh (a rebuild): a new generation, so that no document counts as counted, and a
   * new epoch of value counters, out of the way of the old counts. In the same update as the
   * version, so a writer counts in the new epoch exactly when it knows the new version.
   */
  recounted?: string[]
}

/** The state item's update for a change: names, values and the SET / REMOVE clauses. */
export function changeClauses(change: IndexChange): {
  adds: string[]
  condition?: string
  names: Record<string, string>
  removes: string[]
  sets: string[]
  values: Record<string, unknown>
} {
  const names: Record<string, string> = {}
  const values: Record<string, unknown> = {}
  const sets: string[] = []
  let n = 0
  const record = (name: string, value: string) => {
    names[`#d${n}`] = DEFINITION_PREFIX + name
    values[`:d${n}`] = value
    sets.push(`#d${n} = :d${n}`)
    n++
  }
  change.defined?.forEach((definition) => record(definition.name, JSON.stringify(definition)))
  change.dropped?.forEach((name) => record(name, DROPPED))
  const removes = (change.forgotten ?? []).map((name, index) => {
    names[`#f${index}`] = DEFINITION_PREFIX + name
    return `#f${index}`
  })
  const adds = (change.recounted ?? []).flatMap((name, index) =>
    [GENERATION_PREFIX, EPOCH_PREFIX].map((prefix, kind) => {
      names[`#r${index}_${kind}`] = prefix + name
      values[':one'] = 1
      return `#r${index}_${kind} :one`
    }),
  )
  const own = (change.onlyIfOwn ?? []).flatMap((definition, index) => {
    names[`#o${index}`] = DEFINITION_PREFIX + definition.name
    values[`:o${index}`] = JSON.stringify(definition)
    names[`#u${index}`] = BUILT_PREFIX + definition.name
    values[`:u${index}`] = indexSignature(definition)
    return [
      `#o${index} = :o${index}`,
      `(attribute_not_exists(#u${index}) OR #u${index} <> :u${index})`,
    ]
  })
  const condition = own.length > 0 ? own.join(' AND ') : undefined
  return { adds, condition, names, removes, sets, values }
}
