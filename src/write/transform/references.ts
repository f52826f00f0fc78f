import { type PayloadRequest, ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../types.js'
import type { Reference } from './context.js'

import type { ItemKey } from '../../keys/itemKeys.js'

import { collectionNamespace, keyOf, type Namespace } from '../../namespaces.js'
import { heldByID } from '../../read/heldLookups.js'
import { documentsForChecksOf } from '../../read/snapshots.js'
import { batchGetByKey, batchGetItems, type ItemReader } from '../../storage/documentStore.js'
import { activeTransaction } from '../../transactions/session.js'

/** How a reference is named in the set of those already held. */
export const referenceName = (reference: Pick<Reference, 'collection' | 'id'>): string =>
  `${reference.collection}\u0000${String(reference.id)}`

/**
 * Rejects a write whose relationship values point at documents that do not exist, as the foreign
 * keys of the SQL adapters do, with Payload's ValidationError naming the fields. References the
 * updated documents already held (`held`, by collection and id) are not checked again, so a
 * document whose related document was deleted meanwhile can still be updated; a document may
 * refer to itself (`selfID`).
 */
export async function assertReferencesExist(
  adapter: DynamoDBAdapter,
  args: {
    collection?: string
    /** The references the updated documents hold now (`referencesHeld`), when there is any to check. */
    held?: () => Reference[]
    /** Reads the related documents (in a transaction), possibly beside other reads. */
    read?: ItemReader
    references: Reference[]
    req?: Partial<PayloadRequest>
    selfID?: number | string
  },
): Promise<void> {
  if (args.references.length === 0) {
    return
  }
  const known = new Set((args.held?.() ?? []).map(referenceName))
  const pending = args.references.filter(
    (reference) =>
      !known.has(referenceName(reference)) &&
      !(reference.collection === args.collection && String(reference.id) === String(args.selfID)),
  )
  if (pending.length === 0) {
    return
  }
  const byKey = new Map<string, { key: { pk: string; sk: string }; references: Reference[] }>()
  const namespaces = new Map<string, Namespace>()
  for (const [index, reference] of pending.entries()) {
    if (!adapter.payload.collections[reference.collection]) {
      continue
    }
    const namespace = collectionNamespace(adapter, reference.collection)
    namespaces.set(namespace.pk, namespace)
    if (namespace.idType === 'number' && typeof reference.id !== 'number') {
      // Not a number: no document of a number-id collection can have it.
      byKey.set(`invalid\u0000${index}`, { key: { pk: '', sk: '' }, references: [reference] })
      continue
    }
    const key = keyOf(namespace, reference.id)
    const name = `${key.pk}\u0000${key.sk}`
    const entry = byKey.get(name) ?? { key, references: [] }
    entry.references.push(reference)
    byKey.set(name, entry)
  }
  const found = new Set<string>()
  // Documents the current transaction wrote are judged by what it staged, not by the table.
  const transaction = activeTransaction()
  const unstaged = [...byKey.values()].filter(({ key }) => {
    const staged = key.pk !== '' ? transaction?.get(key) : undefined
    if (staged?.after) {
      found.add(`${key.pk}\u0000${key.sk}`)
    }
    return key.pk !== '' && !staged
  })
  // Related collections held in memory answer without a request (under a read lease).
  const toCheck = new Set(unstaged.map(({ key }) => key.pk))
  const held = await documentsForChecksOf(
    adapter,
    [...namespaces.values()].filter((namespace) => toCheck.has(namespace.pk)),
  )
  const keys: ItemKey[] = []
  for (const { key, references } of unstaged) {
    const docs = held.get(key.pk)
    if (!docs) {
      keys.push(key)
      continue
    }
    const doc = heldByID(docs, references[0].id)
    if (doc) {
      found.add(`${key.pk}\u0000${key.sk}`)
      // As read by key in the transaction: Payload's populate of the result reads it next.
      transaction?.rememberRead(key, doc)
    }
  }
  if (keys.length > 0 && transaction) {
    // Payload reads the related documents next (to populate the result, in the same
    // transaction): read them whole now, so those reads are answered from the transaction's
    // memo. A read bills the whole item either way.
    const documents = await batchGetByKey(
      adapter,
      keys,
      adapter.consistentRead,
      undefined,
      args.read,
    )
    for (const key of keys) {
      const doc = documents.get(`${key.pk}\u0000${key.sk}`)
      if (doc) {
        found.add(`${key.pk}\u0000${key.sk}`)
        transaction.rememberRead(key, doc)
      }
    }
  } else if (keys.length > 0) {
    for (const name of (
      await batchGetItems(adapter, keys, adapter.consistentRead, 'keys')
    ).keys()) {
      found.add(name)
    }
  }
  const missing = [...byKey.entries()]
    .filter(([name]) => !found.has(name))
    .flatMap(([, entry]) => entry.references)
  if (missing.length === 0) {
    return
  }
  const byPath = new Map<string, Reference[]>()
  for (const reference of missing) {
    // `items.0.author` and `tags.2` are reported on the field (`items.0.author`, `tags`).
    const path = reference.path.replace(/\.\d+$/, '')
    byPath.set(path, [...(byPath.get(path) ?? []), reference])
  }
  throw new ValidationError({
    collection: args.collection,
    errors: [...byPath.entries()].map(([path, references]) => ({
      message: `This relationship field has the following invalid selections: ${references
        .map((reference) => `${reference.collection} ${String(reference.id)}`)
        .join(', ')}`,
      path,
    })),
    req: args.req,
  })
}
