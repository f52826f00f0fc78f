import type { PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { ValidationError } from 'payload'

import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'
import type { Meaning } from './changeActions.js'

import { counterKey } from '../keys/counterKey.js'
import { toAPIError } from '../storage/errors.js'
import { rememberRevision } from '../storage/revisions.js'
import {
  failedConditionIndexes,
  MAX_TRANSACTION_ACTIONS,
  transactWrite,
  type WriteAction,
} from '../transactions/transactWrite.js'
import { changeActions, nextRevision } from './changeActions.js'

/** Documents changed by someone else since they were read: the write must be computed again. */
export class RevisionConflict extends Error {
  constructor(
    /** The changes whose document was no longer at the revision read. */
    readonly conflicts: DocumentChange[],
    /** Changes already written by earlier groups of the same call. */
    readonly applied: DocumentChange[],
    /** Every change of the group that failed (it was all-or-nothing). */
    readonly group: DocumentChange[],
  ) {
    super('A document changed while it was being written.')
    this.name = 'RevisionConflict'
  }
}

type Group = { actions: WriteAction[]; changes: DocumentChange[]; meanings: Meaning[] }

/** Packs changes into groups of at most 100 actions, never splitting one document's actions. */
function groupChanges(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  writeID: string,
): Group[] {
  const groups: Group[] = []
  let group: Group = { actions: [], changes: [], meanings: [] }
  let counters = new Map<string, number>()
  const close = () => {
    for (const [pk, amount] of counters) {
      if (amount !== 0) {
        group.actions.push({ amount, attribute: 'count', key: counterKey(pk), type: 'add' })
        group.meanings.push({ kind: 'other' })
      }
    }
    if (group.actions.length > 0) {
      groups.push(group)
    }
    group = { actions: [], changes: [], meanings: [] }
    counters = new Map()
  }
  for (const change of changes) {
    const built = changeActions(adapter, change, writeID)
    const counterPK = change.namespace.kind === 'global' ? undefined : change.namespace.pk
    const needsCounter =
      counterPK !== undefined && built.countDelta !== 0 && !counters.has(counterPK)
    const size = built.actions.length + counters.size + (needsCounter ? 1 : 0)
    if (group.actions.length > 0 && group.actions.length + size > MAX_TRANSACTION_ACTIONS) {
      close()
    }
    group.actions.push(...built.actions)
    group.meanings.push(...built.meanings)
    group.changes.push(change)
    if (counterPK !== undefined && built.countDelta !== 0) {
      counters.set(counterPK, (counters.get(counterPK) ?? 0) + built.countDelta)
    }
  }
  close()
  return groups
}

/** The number of actions (items written) the changes take, counters included. */
export function actionCount(adapter: DynamoDBAdapter, changes: DocumentChange[]): number {
  return groupChanges(adapter, changes, 'count').reduce((sum, g) => sum + g.actions.length, 0)
}

/**
 * Writes document changes with their index entries, uniqueness markers and counters: one
 * atomic request for up to 100 items (more go in several, each atomic, never splitting one
 * document). Every document write is conditioned on the revision it was computed from; a
 * document that moved on raises `RevisionConflict`, a taken unique value Payload's
 * `ValidationError`.
 */
export async function commitChanges(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  options: { req?: Partial<PayloadRequest>; writeID?: string } = {},
): Promise<void> {
  const writeID = options.writeID ?? randomUUID()
  const applied: DocumentChange[] = []
  for (const group of groupChanges(adapter, changes, writeID)) {
    try {
      await transactWrite(adapter, group.actions)
    } catch (error) {
      throw explainFailure(error, group, applied, options.req)
    }
    for (const change of group.changes) {
      if (change.after) {
        rememberRevision(change.after, nextRevision(change), writeID)
      }
      applied.push(change)
    }
  }
}

function explainFailure(
  error: unknown,
  group: Group,
  applied: DocumentChange[],
  req: Partial<PayloadRequest> | undefined,
): unknown {
  const failed = failedConditionIndexes(error, group.actions.length).map(
    (index) => group.meanings[index],
  )
  const conflicts = failed.flatMap((meaning) =>
    meaning?.kind === 'document' ? [meaning.change] : [],
  )
  if (conflicts.length > 0) {
    return new RevisionConflict(conflicts, applied, group.changes)
  }
  const taken = failed.flatMap((meaning) => (meaning?.kind === 'unique' ? [meaning.marker] : []))
  if (taken.length === 0) {
    // Not a condition this write set (e.g. conflicts with other transactions that outlasted the
    // retries): a clear APIError, never the SDK's.
    return toAPIError(error, { operation: 'TransactWriteItems' })
  }
  const namespace = group.changes[0]?.namespace
  return new ValidationError({
    collection: namespace?.kind === 'collection' ? namespace.slug : undefined,
    errors: taken.map((marker) => ({
      message: 'Value must be unique',
      path: marker.definition.parts.map((part) => part.path).join(', '),
    })),
    req,
  })
}
