import { ValidationError } from 'payload'

import type { ItemKey } from '../keys/itemKeys.js'
import type { Doc } from '../query/types.js'
import type { Namespace } from '../namespaces.js'
import type { DocumentChange } from '../transactions/session.js'
import type { WriteAction, WriteCondition } from '../transactions/transactWrite.js'

import { type DocumentOwner, partKeys } from '../storage/documentEncoding.js'
import { documentItems } from '../storage/documentStore.js'
import { rememberPartCount, storedPartCount } from '../storage/revisions.js'
import { withFieldPaths } from './fieldPaths.js'

function ownerOf(namespace: Namespace, id: unknown, existing: boolean): DocumentOwner {
  const owner = { existing, fields: namespace.fields, id }
  return namespace.kind === 'global' || namespace.kind === 'globalVersions'
    ? { ...owner, global: namespace.slug }
    : { ...owner, collection: namespace.slug }
}

/** The items of the document a change stores; a refusal names the fields as Payload does. */
function storedItems({ after, before, key, namespace }: DocumentChange) {
  try {
    return documentItems(key, after as Doc, ownerOf(namespace, (after as Doc).id, before !== null))
  } catch (error) {
    throw error instanceof ValidationError ? withFieldPaths(namespace, error) : error
  }
}

/**
 * The actions that store one document change's items: first the document item at its key
 * (conditioned, carrying `bookkeeping` such as `rev` and `w`), then the part items of a document
 * split over several items, and the deletes of parts a larger earlier layout left (see
 * `documentEncoding.ts`). All go in the same transaction.
 */
export function documentActions(
  change: DocumentChange,
  condition: WriteCondition,
  bookkeeping: Record<string, unknown>,
): WriteAction[] {
  const { after, before, key } = change
  const actions: WriteAction[] = []
  let parts: Record<string, unknown>[] = []
  if (after) {
    const encoded = storedItems(change)
    parts = encoded.parts
    actions.push({ condition, item: { ...encoded.head, ...bookkeeping }, type: 'put' })
    actions.push(...parts.map((item): WriteAction => ({ item, type: 'put' })))
    rememberPartCount(after, parts.length + 1)
  } else {
    actions.push({ condition, key, type: 'delete' })
  }
  const stale: ItemKey[] = partKeys(key, before ? storedPartCount(before) : 1).slice(parts.length)
  actions.push(...stale.map((partKey): WriteAction => ({ key: partKey, type: 'delete' })))
  return actions
}
