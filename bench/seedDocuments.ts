/**
 * Loads many new documents fast, writing exactly the items the adapter's `create` writes: each
 * document goes through `transformWrite` and `groupChanges` (the write path's own functions), so
 * its index entries, unique markers and counters follow whatever the adapter writes today. Only
 * the transactions and their conditions are left out (a fresh collection, distinct unique
 * values): items go out with BatchWriteItem, counter increments are summed per chunk. Each
 * document gets its own write id, as separate creates would, so the collection counter's shards
 * fill as they do under real traffic (one id per chunk would leave most shards empty).
 */
import type { Payload } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DocumentChange } from '../src/transactions/session.js'
import type { WriteAction } from '../src/transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../src/types.js'

import { collectionNamespace, keyOf } from '../src/namespaces.js'
import { batchWriteItems } from '../src/storage/documentStore.js'
import { transactWrite } from '../src/transactions/transactWrite.js'
import { newDocumentID } from '../src/utilities/newDocumentID.js'
import { groupChanges } from '../src/write/groups.js'
import { transformWrite } from '../src/write/transformWrite.js'
import { inParallel } from './measure.js'

const CHUNK = 500
const PARALLEL_BATCHES = 6

/** Writes the documents `make(i)` for i in [from, to) into `collection` (they must be new). */
export async function seedDocuments(
  payload: Payload,
  collection: string,
  from: number,
  to: number,
  make: (index: number) => Record<string, unknown>,
): Promise<void> {
  const adapter = payload.db as unknown as DynamoDBAdapter
  const namespace = collectionNamespace(adapter, collection)
  for (let start = from; start < to; start += CHUNK) {
    const changes: DocumentChange[] = []
    for (let i = start; i < Math.min(to, start + CHUNK); i++) {
      const data = make(i)
      const id = newDocumentID(adapter, namespace, data, undefined)
      const { data: stored } = transformWrite(adapter, namespace, data, 'create')
      const doc = { ...stored, id }
      changes.push({ after: doc, before: null, key: keyOf(namespace, id), namespace })
    }
    const actions = changes.flatMap((change) =>
      groupChanges(adapter, [change], randomUUID(), Number.POSITIVE_INFINITY).flatMap(
        (group) => group.actions,
      ),
    )
    const puts: Record<string, unknown>[] = []
    const sums = new Map<string, Extract<WriteAction, { type: 'add' }>>()
    for (const action of actions) {
      if (action.type === 'put') {
        puts.push({ PutRequest: { Item: action.item } })
      } else if (action.type === 'add') {
        const name = `${action.key.pk}\u0000${action.key.sk}`
        const sum = sums.get(name)
        sums.set(name, sum ? { ...sum, amount: sum.amount + action.amount } : action)
      } else {
        throw new Error(`seedDocuments: a create wrote a '${action.type}' action; teach the seeder`)
      }
    }
    const batches = Math.ceil(puts.length / 25)
    await inParallel(0, batches, PARALLEL_BATCHES, (batch) =>
      batchWriteItems(adapter, puts.slice(batch * 25, batch * 25 + 25)),
    )
    // Counter increments (collection and per-value counters): distinct items, summed per chunk.
    const updates = [...sums.values()]
    await inParallel(0, updates.length, PARALLEL_BATCHES * 2, (index) =>
      transactWrite(adapter, [updates[index]]),
    )
  }
}
