import { APIError } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { WriteCondition } from '../transactions/transactWrite.js'
import type { IndexDefinition } from './definitionTypes.js'

import { DROPPED } from './indexChangeClauses.js'
import { DEFINITION_PREFIX, EPOCH_PREFIX, GENERATION_PREFIX } from './indexRecord.js'

/**
 * The condition that the table still records `definitions` as being built, and under the
 * generations (`gen:<name>`) the build read before its pass, for the update that records them as
 * built. A build another process called off meanwhile (its build failed, or its config dropped
 * the index) must not be recorded as complete: no writer maintains the index any more, or its
 * items were deleted under the pass (a drop records a new generation once its items are gone).
 * Its placeholders are short: over the dozens of indexes a versions namespace may have, the
 * condition must stay within DynamoDB's 4 KB for an expression.
 */
export function stillDefinedCondition(
  definitions: IndexDefinition[],
  generations: ReadonlyMap<string, number>,
): undefined | WriteCondition {
  if (definitions.length === 0) {
    return undefined
  }
  const names: Record<string, string> = {}
  const values: Record<string, unknown> = {}
  const terms = definitions.flatMap((definition, at) => {
    names[`#sd${at}`] = DEFINITION_PREFIX + definition.name
    values[`:sd${at}`] = JSON.stringify(definition)
    names[`#sg${at}`] = GENERATION_PREFIX + definition.name
    const generation = generations.get(definition.name) ?? 0
    if (generation > 0) {
      values[`:sg${at}`] = generation
    }
    return [
      `#sd${at} = :sd${at}`,
      generation > 0 ? `#sg${at} = :sg${at}` : `attribute_not_exists(#sg${at})`,
    ]
  })
  return { expression: terms.join(' AND '), names, values }
}

/** A build whose `stillDefinedCondition` failed: it is not recorded as built. */
export function buildCalledOff(namespace: Namespace, names: string[]): Error {
  return new APIError(
    `The build of ${names.map((name) => `"${name}"`).join(', ')} of ${namespace.kind} "${namespace.slug}" was called off by another process meanwhile (its build of the same index failed, or its config drops the index), so it is not recorded as built. Deploy one config to every process, then run syncIndexes() (or payload migrate) again.`,
    409,
    undefined,
    true,
  )
}

/**
 * The condition that the table still records `definitions` as this process counts them: not
 * dropped, under the generations and counter epochs it read. A value-counter correction computed
 * for an index another process dropped meanwhile (its counters emptied under the measurement)
 * would otherwise put back counts that the index's next build counts again.
 */
export function stillCountedCondition(
  definitions: IndexDefinition[],
  generations: ReadonlyMap<string, number>,
  epochs: ReadonlyMap<string, number>,
): undefined | WriteCondition {
  if (definitions.length === 0) {
    return undefined
  }
  const names: Record<string, string> = {}
  const values: Record<string, unknown> = { ':dropped': DROPPED }
  const same = (placeholder: string, attribute: string, value: number) => {
    names[placeholder] = attribute
    if (value === 0) {
      return `attribute_not_exists(${placeholder})`
    }
    values[`:${placeholder.slice(1)}`] = value
    return `${placeholder} = :${placeholder.slice(1)}`
  }
  const terms = definitions.flatMap((definition, at) => {
    names[`#cd${at}`] = DEFINITION_PREFIX + definition.name
    return [
      `(attribute_not_exists(#cd${at}) OR #cd${at} <> :dropped)`,
      same(`#cg${at}`, GENERATION_PREFIX + definition.name, generations.get(definition.name) ?? 0),
      same(`#ce${at}`, EPOCH_PREFIX + definition.name, epochs.get(definition.name) ?? 0),
    ]
  })
  return { expression: terms.join(' AND '), names, values }
}
