import type { PayloadRequest } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { keyOf } from '../namespaces.js'
import { performWrite } from './performWrite.js'
import { type StatementSelect, statementRows } from './statementRows.js'

/**
 * Deletes the documents `select` finds, with their index entries and markers. When one changes
 * before the delete lands, `select` runs again (its entries must be those of the newer version).
 * Returns the documents deleted (those of the run that was written).
 */
export async function deleteDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  select: StatementSelect,
  req?: Partial<PayloadRequest>,
): Promise<Doc[]> {
  let deleted: Doc[] = []
  const selectRows = statementRows(select)
  await performWrite(
    adapter,
    async () => {
      const docs = await selectRows()
      deleted = docs
      return docs.map((before) => ({
        after: null,
        before,
        key: keyOf(namespace, before.id as number | string),
        namespace,
      }))
    },
    req,
  )
  return deleted
}
