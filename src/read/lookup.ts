import type { DocID, RelationLookup } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { documentKey } from '../keys/itemKeys.js'
import { collectionNamespace } from '../namespaces.js'
import { matchDocuments } from './matchDocuments.js'
import { readDocuments } from './readDocument.js'

/** Lets the query engine follow relationships into other collections of the same table. */
export function createLookup(adapter: DynamoDBAdapter): RelationLookup {
  return {
    findIDs: async (collection, where, locale) => {
      const docs = await matchDocuments(adapter, collectionNamespace(adapter, collection), {
        locale,
        where,
      })
      return docs.map((doc) => doc.id as DocID)
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
