import type { CursorPage, DynamoDBAdapter, IterateArgs } from './types.js'

import { createLookup } from './read/lookup.js'
import { collectionNamespace } from './namespaces.js'
import { compileWhere } from './query/compileWhere.js'
import { iteratePartition } from './storage/documentStore.js'

const encodeCursor = (key: Record<string, unknown>) =>
  Buffer.from(JSON.stringify(key)).toString('base64url')
const decodeCursor = (cursor: string) =>
  JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>

/**
 * Walks a collection (optionally filtered by `where`) page by page with DynamoDB's own cursor,
 * in the order of the documents' keys (not id order: number ids sort as text, `10` before `9`),
 * without ever holding more than one page: for exports, migrations and backfills.
 *
 * ```ts
 * for await (const { docs, cursor } of payload.db.iterateDocuments({ collection: 'posts' })) { ... }
 * ```
 */
export async function* iterateDocuments(
  this: DynamoDBAdapter,
  args: IterateArgs,
): AsyncGenerator<CursorPage> {
  const namespace = collectionNamespace(this, args.collection)
  const compiled = await compileWhere(
    {
      fields: namespace.fields,
      locale: args.locale,
      lookup: createLookup(this),
      payload: this.payload,
    },
    args.where,
  )
  for await (const page of iteratePartition(this, namespace.pk, {
    pageSize: args.pageSize ?? 100,
    startKey: args.cursor ? decodeCursor(args.cursor) : undefined,
  })) {
    yield {
      cursor: page.cursor ? encodeCursor(page.cursor) : undefined,
      docs: page.docs.filter(compiled.matches),
    }
  }
}
