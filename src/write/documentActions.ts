import type { ItemKey } from '../keys/itemKeys.js'
import type { DocumentChange } from '../transactions/session.js'
import type { WriteAction, WriteCondition } from '../transactions/transactWrite.js'

import { type DocumentOwner, partKeys } from '../storage/documentEncoding.js'
import { documentItems } from '../storage/documentStore.js'
import { rememberPartCount, storedPartCount } from '../storage/revisions.js'
import { payloadFieldPath } from './fieldPaths.js'

/**
 * Who a stored document is, for its refusals: the collection's document (a version's is its
 * parent's), or the global; and how its stored paths read as Payload's field paths.
 */
function ownerOf(change: DocumentChange, locales: readonly string[]): DocumentOwner {
  const { after, before, namespace } = change
  const fieldPath = (stored: string) => payloadFieldPath(namespace, locales, stored, after)
  const base = { fieldPath, fields: namespace.fields }
  switch (namespace.kind) {
    case 'collection':
      return { ...base, collection: namespace.slug, existing: before !== null, id: after?.id }
    case 'versions':
      // A version is saved for a document created in the same write, or an existing one.
      return { ...base, collection: namespace.slug, existing: true, id: after?.parent }
    default:
      return { ...base, existing: true, global: namespace.slug, id: undefined }
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
  locales: readonly string[],
): WriteAction[] {
  const { after, before, key } = change
  const actions: WriteAction[] = []
  let parts: Record<string, unknown>[] = []
  if (after) {
    const encoded = documentItems(key, after, ownerOf(change, locales))
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
