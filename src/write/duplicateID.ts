import type { PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { ItemKey } from '../keys/itemKeys.js'
import type { ItemReader } from '../storage/documentStore.js'
import type { DocumentChange, Transaction } from '../transactions/session.js'

import { keyString, mayMeetAnotherCreate } from '../transactions/session.js'

/**
 * A create that met an item under its key took an id another document holds, unless its key is
 * not a chosen id: a global's (keyed by its slug), a version pointer's or an upsert's derived id,
 * which another writer created first; the write is computed again over it.
 */
export const takesID = (change: DocumentChange): boolean =>
  change.before === null && !mayMeetAnotherCreate(change)

/** Payload's error for a create under an id a document already holds. */
export function duplicateID(
  change: DocumentChange,
  req?: Partial<PayloadRequest>,
): ValidationError {
  const id = (change.after as { id: unknown }).id
  return new ValidationError({
    collection: change.namespace.kind === 'collection' ? change.namespace.slug : undefined,
    errors: [{ message: `A document with id "${String(id)}" already exists.`, path: 'id' }],
    req,
  })
}

/**
 * Refuses, just before they are staged, creates under an id the transaction already holds a
 * document under (created or updated in it, not deleted): staged over it, the create would
 * replace that document at commit, as SQL's second INSERT of a key never does.
 */
export function refuseStagedIDs(
  transaction: Transaction,
  changes: DocumentChange[],
  req?: Partial<PayloadRequest>,
): void {
  const held = changes.find(
    (change) => takesID(change) && (transaction.get(change.key)?.after ?? null) !== null,
  )
  if (held) {
    throw duplicateID(held, req)
  }
}

/**
 * Inside a transaction, a create under an id its caller chose is refused when the id is stored
 * (and not deleted in the transaction) at the create, as SQL refuses the INSERT, rather than when
 * the transaction commits: a hook that creates must fail in the hook.
 */
export async function assertIDFree(
  transaction: Transaction,
  change: DocumentChange & { key: ItemKey },
  read: ItemReader,
  req?: Partial<PayloadRequest>,
): Promise<void> {
  const found = await read([change.key], true)
  if (found.has(keyString(change.key)) && transaction.get(change.key)?.after !== null) {
    throw duplicateID(change, req)
  }
}
