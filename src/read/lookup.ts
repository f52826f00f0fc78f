import type { DocID, RelationLookup } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { documentKey } from '../keys/itemKeys.js'
import { collectionNamespace } from '../namespaces.js'
import { matchDocuments } from './matchDocuments.js'
import { readDocuments } from './readDocument.js'

/**
 * Lets the query engine follow relationships into other collections of the same table. One lookup
 * serves one query: the same sub-query asked twice (by the planner, then by the evaluator) is
 * answered once.
 */
export function createLookup(adapter: DynamoDBAdapter): RelationLookup {
  const asked = new Map<string, Promise<DocID[]>>()
  return {
    findIDs: (collection, where, locale) => {
      const question = JSON.stringify([collection, where, locale])
      let answer = asked.get(question)
      if (!answer) {
        answer = matchDocuments(adapter, collectionNamespace(adapter, collection), {
          locale,
          where,
        }).then((docs) => docs.map((doc) => doc.id as DocID))
        asked.set(question, answer)
      }
      return answer
    },
    getDocs: async (collection, ids: DocID[]) => {
      const unique = [...new Set(ids)]
      return readDocuments(
        adapter,
        unique.map((id) => documentKey('collection', collection, id)),
      )
    },
  }
}
