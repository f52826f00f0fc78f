import type { Namespace } from '../namespaces.js'
import type { Plan } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { freshIndexState, indexSignature, queryableIndexes } from '../indexes/buildState.js'
import { indexDropWait, indexStateMaxAge } from '../indexes/stateFreshness.js'
import { planReads } from './planReads.js'

/** The index definitions a plan reads. */
function indexesRead(plan: Plan): string[] {
  return planReads(plan).map(
    (read) => `${read.definition.name}\u0000${indexSignature(read.definition)}`,
  )
}

/**
 * Whether an index the query read may have been dropped while it ran: only a query that ran
 * longer than a drop's wait after its state was read (stateFreshness.ts) can have read entries
 * being deleted. Such a query reads the state again; the caller runs it again if an index it
 * read is gone.
 */
export async function droppedWhileRead(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Plan,
  stateReadAt: number,
): Promise<boolean> {
  const read = indexesRead(plan)
  if (read.length === 0 || Date.now() - stateReadAt < indexDropWait() - indexStateMaxAge()) {
    return false
  }
  await freshIndexState(adapter, namespace, { force: true })
  const usable = new Set(
    queryableIndexes(adapter, namespace).map(
      (definition) => `${definition.name}\u0000${indexSignature(definition)}`,
    ),
  )
  return read.some((each) => !usable.has(each))
}
