import type { PayloadRequest } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { keyOf } from '../namespaces.js'
import { performWrite } from './performWrite.js'

/**
 * Deletes the documents `select` finds, with their index entries and markers. When one changes
 * before the delete lands, `select` runs again (its entries must be those of the newer version).
 * Returns the documents deleted (those of the run that was written).
 */
export async function deleteDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  select: () => Promise<Doc[]>,
  req?: Partial<PayloadRequest>,
  /** What the write also changes, computed from its deletes on every attempt (version pointers). */
  alongside?: (changes: DocumentChange[]) => Promise<DocumentChange[]>,
): Promise<Doc[]> {
  let deleted: Doc[] = []
  await performWrite(
    adapter,
    async () => {
      const docs = await select()
      deleted = docs
      const changes: DocumentChange[] = docs.map((before) => ({
        after: null,
        before,
        key: keyOf(namespace, before.id as number | string),
        namespace,
      }))
      return alongside ? [...changes, ...(await alongside(changes))] : changes
    },
    req,
  )
  return deleted
}
