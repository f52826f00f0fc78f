import { APIError } from 'payload'

import type { CursorPage, DynamoDBAdapter, IterateArgs } from './types.js'

import { DOCUMENT_SK_PREFIX } from './keys/itemKeys.js'
import { createLookup } from './read/lookup.js'
import { collectionNamespace } from './namespaces.js'
import { compileWhere } from './query/compileWhere.js'
import { iteratePartition } from './storage/documentStore.js'

const encodeCursor = (key: Record<string, unknown>) =>
  Buffer.from(JSON.stringify(key)).toString('base64url')
/**
 * The key a cursor of this namespace's walk names; anything else (another collection's cursor,
 * a cut or made-up one) is the caller's mistake, told as such rather than as the engine's error.
 */
function decodeCursor(cursor: string, namespacePK: string, collection: string) {
  let key: unknown
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    key = undefined
  }
  const { pk, sk } = (key ?? {}) as { pk?: unknown; sk?: unknown }
  if (
    pk !== namespacePK ||
    typeof sk !== 'string' ||
    !sk.startsWith(DOCUMENT_SK_PREFIX) ||
    Buffer.byteLength(sk, 'utf8') > 1024 ||
    Object.keys(key as object).length !== 2
  ) {
    throw new APIError(
      `Invalid cursor for the collection "${collection}": pass the \`cursor\` of a page that iterateDocuments returned for this collection, or none to start at the beginning.`,
      400,
    )
  }
  return { pk, sk }
}

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
    startKey: args.cursor ? decodeCursor(args.cursor, namespace.pk, args.collection) : undefined,
  })) {
    yield {
      cursor: page.cursor ? encodeCursor(page.cursor) : undefined,
      docs: page.docs.filter(compiled.matches),
    }
  }
}
