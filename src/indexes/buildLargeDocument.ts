import { APIError, ValidationError } from 'payload'

import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { commitChanges, RevisionConflict } from '../write/commitChanges.js'

/**
 * Indexes one document whose entries, markers and value counts in `definitions` do not fit the
 * build's packed transactions (a `hasMany` field in 30 locales): written as a write of the
 * document over itself that adds them (`DocumentChange.unindexed`), so it goes through the
 * commit journal with the document locked, split over several requests (write/splitGroup.ts).
 * Returns false when the document changed since it was read (the build reads it again).
 */
export async function indexLargeDocument(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  definitions: IndexDefinition[],
  write: { doc: Doc; key: ItemKey },
): Promise<boolean> {
  try {
    await commitChanges(adapter, [
      {
        after: { ...write.doc },
        before: write.doc,
        key: write.key,
        namespace,
        unindexed: definitions.map((definition) => definition.name),
      },
    ])
    return true
  } catch (error) {
    if (error instanceof RevisionConflict) {
      return false
    }
    if (error instanceof ValidationError) {
      throw new APIError(
        'A unique value was taken by another document while the index was being built. Build it again.',
        409,
        undefined,
        true,
      )
    }
    throw error
  }
}
