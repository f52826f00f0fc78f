import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb'

import { APIError } from 'payload'

import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'

import { DOCUMENT_SK_PREFIX } from '../keys/itemKeys.js'
import {
  decodeDocument,
  type DocumentOwner,
  encodeDocument,
  type EncodedDocument,
  isEncoded,
  partCountOf,
  partKeys,
  storableDocument,
} from './documentEncoding.js'
import { unprocessedError } from './errors.js'
import { documentOf } from './revisions.js'
import { PARTITION_PAGE_ITEMS } from './pageLimits.js'
import { send } from './send.js'

export type StoredDocument = { id: number | string } & Record<string, unknown>

/** A DynamoDB FilterExpression with its placeholders. */
export type ItemFilter = {
  expression: string
  names: Record<string, string>
  values: Record<string, unknown>
}

type Store = Pick<DynamoDBAdapter, 'consistentRead' | 'docClient' | 'stats' | 'tableName'>

/** The items that store a document (see `documentEncoding.ts`): one, or a head and its parts. */
export function documentItems(
  key: ItemKey,
  doc: Record<string, unknown>,
  owner: DocumentOwner,
): EncodedDocument {
  return encodeDocument(key, storableDocument(doc, owner), owner)
}

/** The item for a document that fits in one item (bulk loads); larger ones need `documentItems`. */
export function documentItem(key: ItemKey, doc: Record<string, unknown>): Record<string, unknown> {
  const { head, parts } = documentItems(key, doc, { id: doc.id })
  if (parts.length > 0) {
    throw new Error(`documentItem: document ${String(doc.id)} needs ${parts.length + 1} items.`)
  }
  return head
}

async function getItem(
  adapter: Store,
  key: ItemKey,
  consistentRead: boolean,
  onlyFields?: string[],
): Promise<Record<string, unknown> | undefined> {
  const projection = onlyFields ? projectionOf(onlyFields) : undefined
  const out = await send<{ Item?: Record<string, unknown> }>(
    adapter,
    new GetCommand({
      ConsistentRead: consistentRead,
      ExpressionAttributeNames: projection?.names,
      Key: key,
      ProjectionExpression: projection?.expression,
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  return out.Item
}

/**
 * One document by key. With `onlyFields`, only those top-level fields (and `id`) are read: for
 * answers that return a `select`ed part of the document, never for documents written back.
 */
export async function getDocument(
  adapter: Store,
  key: ItemKey,
  onlyFields?: string[],
): Promise<null | StoredDocument> {
  const item = await getItem(adapter, key, adapter.consistentRead, onlyFields)
  return item ? documentOf<StoredDocument>((await withDocuments(adapter, [item]))[0]) : null
}

/** How often a split document is read again when its parts were replaced while it was read. */
const SPLIT_READ_ATTEMPTS = 5

/**
 * Document items as read, with the documents stored gzipped (and split) decoded under `doc`,
 * fetching the other parts (consistent reads). A document whose parts were replaced by a writer
 * meanwhile is read again; one deleted meanwhile is left out.
 */
export async function withDocuments(
  adapter: Store,
  items: Record<string, unknown>[],
): Promise<Record<string, unknown>[]> {
  if (!items.some(isEncoded)) {
    return items
  }
  const split = items.filter((item) => isEncoded(item) && partCountOf(item) > 1)
  const parts = await batchGetItems(
    adapter,
    split.flatMap((item) => partKeys(item as ItemKey, partCountOf(item))),
  )
  const out: Record<string, unknown>[] = []
  for (const item of items) {
    out.push(...(isEncoded(item) ? await decoded(adapter, item, parts) : [item]))
  }
  return out
}

async function decoded(
  adapter: Store,
  head: Record<string, unknown>,
  fetched: Map<string, Record<string, unknown>>,
): Promise<Record<string, unknown>[]> {
  let item: Record<string, unknown> | undefined = head
  let parts = fetched
  for (let attempt = 1; item; attempt++) {
    const keys = partKeys(item as ItemKey, partCountOf(item))
    const doc = decodeDocument(
      item,
      keys.map(({ pk, sk }) => parts.get(`${pk}\u0000${sk}`)),
    )
    if (doc) {
      return [{ ...item, doc }]
    }
    if (attempt >= SPLIT_READ_ATTEMPTS) {
      throw new APIError(
        `Document ${String(item.sk)} of ${String(item.pk)} kept changing while it was read (it is stored in ${keys.length + 1} items); try again.`,
        503,
        null,
        true,
      )
    }
    // By its key alone: DynamoDB refuses a key with other attributes.
    item = await getItem(adapter, { pk: item.pk, sk: item.sk } as ItemKey, true)
    if (item && isEncoded(item)) {
      parts = await batchGetItems(adapter, partKeys(item as ItemKey, partCountOf(item)))
    } else if (item) {
      return [item]
    }
  }
  return []
}

const BATCH_GET_LIMIT = 100
const BATCH_WRITE_LIMIT = 25

/**
 * How many times a batch request is sent for keys DynamoDB leaves unprocessed (it does so when the
 * table is throttled), counting the first, before giving up with an `APIError`. Each of these
 * requests is itself retried by the SDK on errors. Waits between them: exponential from 50 ms,
 * capped at 5 s, full jitter (about 8 s in all on average before giving up).
 */
export const MAX_BATCH_ATTEMPTS = 10

/** Reads many documents by key (any number), retrying unprocessed keys. Order is not kept. */
export async function batchGetDocuments(
  adapter: Store,
  keys: ItemKey[],
  /** Only these top-level fields (see `getDocument`). */
  onlyFields?: string[],
): Promise<StoredDocument[]> {
  return [...(await batchGetByKey(adapter, keys, adapter.consistentRead, onlyFields)).values()]
}

/** Deletes many items by key, 25 per request, retrying unprocessed ones (bounded). */
export async function batchDeleteItems(adapter: Store, keys: ItemKey[]): Promise<void> {
  await batchWriteItems(
    adapter,
    keys.map((key) => ({ DeleteRequest: { Key: key } })),
  )
}

/**
 * Sends any number of `PutRequest`/`DeleteRequest`s, 25 per BatchWriteItem, retrying unprocessed
 * ones (bounded, see `MAX_BATCH_ATTEMPTS`). Not atomic: for bulk work such as index rebuilds.
 */
export async function batchWriteItems(
  adapter: Store,
  requests: Record<string, unknown>[],
): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    const batch = requests.slice(start, start + BATCH_WRITE_LIMIT)
    let pending: Record<string, unknown>[] | undefined = batch
    let attempt = 1
    while (pending && pending.length > 0) {
      type BatchWriteOutput = { UnprocessedItems?: Record<string, typeof pending> }
      const out: BatchWriteOutput = await send<BatchWriteOutput>(
        adapter,
        new BatchWriteCommand({
          RequestItems: { [adapter.tableName]: pending },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      )
      pending = out.UnprocessedItems?.[adapter.tableName]
      if (pending && pending.length > 0) {
        if (attempt >= MAX_BATCH_ATTEMPTS) {
          throw unprocessedError({
            attempts: attempt,
            left: pending.length,
            operation: 'BatchWriteItem',
            tableName: adapter.tableName,
            total: batch.length,
          })
        }
        await backoff(attempt++)
      }
    }
  }
}

/**
 * Reads every document item of one partition (one collection, its versions, ...), page by page.
 * Never a table scan: the partition key confines the read to one namespace.
 */
export async function* iteratePartition(
  adapter: Store,
  pk: string,
  options: {
    /** A FilterExpression over the items (its placeholders must not be `:pk` or `:prefix`). */
    filter?: ItemFilter
    /**
     * Only these top-level fields of each document (and its id) are read: for answers that only
     * evaluate documents (counts) or return a `select`ed part of them, never for documents written.
     */
    onlyFields?: string[]
    pageSize?: number
    startKey?: Record<string, unknown>
  } = {},
): AsyncGenerator<{ cursor?: Record<string, unknown>; docs: StoredDocument[] }> {
  let startKey = options.startKey
  const filter = options.filter
  const projection = options.onlyFields ? projectionOf(options.onlyFields) : undefined
  const names = { ...filter?.names, ...projection?.names }
  do {
    const out: QueryCommandOutput = await send<QueryCommandOutput>(
      adapter,
      new QueryCommand({
        ConsistentRead: adapter.consistentRead,
        ExclusiveStartKey: startKey,
        ExpressionAttributeNames: Object.keys(names).length > 0 ? names : undefined,
        ProjectionExpression: projection?.expression,
        ExpressionAttributeValues: { ...filter?.values, ':pk': pk, ':prefix': DOCUMENT_SK_PREFIX },
        FilterExpression: filter?.expression,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        Limit: options.pageSize ?? PARTITION_PAGE_ITEMS,
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
    startKey = out.LastEvaluatedKey
    yield {
      cursor: startKey,
      docs: (await withDocuments(adapter, out.Items ?? [])).map((item) =>
        documentOf<StoredDocument>(item),
      ),
    }
  } while (startKey)
}

/**
 * A ProjectionExpression reading `fields` of `doc` (and `doc.id`, so that every item keeps its
 * `doc` map) plus what a gzipped document needs (`z`, `zparts`, `zid`) and the keys.
 */
function projectionOf(fields: string[]): { expression: string; names: Record<string, string> } {
  const wanted = [...new Set(['id', ...fields])]
  const names: Record<string, string> = { '#prjDoc': 'doc' }
  const paths = ['pk', 'sk', 'rev', 'z', 'zparts', 'zid'].map((name, index) => {
    names[`#prjA${index}`] = name
    return `#prjA${index}`
  })
  wanted.forEach((field, index) => {
    names[`#prjF${index}`] = field
    paths.push(`#prjDoc.#prjF${index}`)
  })
  return { expression: paths.join(', '), names }
}

export async function readPartition(adapter: Store, pk: string): Promise<StoredDocument[]> {
  const docs: StoredDocument[] = []
  for await (const page of iteratePartition(adapter, pk)) {
    docs.push(...page.docs)
  }
  return docs
}

/** Waits before sending the unprocessed part again: exponential backoff with full jitter. */
function backoff(attempt: number): Promise<void> {
  const delay = Math.random() * Math.min(5_000, 50 * 2 ** (attempt - 1))
  return new Promise((resolve) => setTimeout(resolve, delay))
}

/**
 * Reads items by key (any number, 100 per request), retrying unprocessed keys (bounded, see
 * `MAX_BATCH_ATTEMPTS`). Returns them by `pk\0sk`; absent keys are missing.
 */
export async function batchGetItems(
  adapter: Store,
  keys: ItemKey[],
  consistentRead = true,
  /**
   * `keys`: only the keys (an existence check); field names: only those fields of the documents
   * (see `projectionOf`). Reads bill the same, less crosses the network.
   */
  only?: 'keys' | string[],
): Promise<Map<string, Record<string, unknown>>> {
  const fields = Array.isArray(only) ? projectionOf(only) : undefined
  const projection =
    only === 'keys'
      ? { ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' }, ProjectionExpression: '#pk, #sk' }
      : fields
        ? { ExpressionAttributeNames: fields.names, ProjectionExpression: fields.expression }
        : {}
  const found = new Map<string, Record<string, unknown>>()
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] | undefined = keys
      .slice(start, start + BATCH_GET_LIMIT)
      .map(({ pk, sk }) => ({ pk, sk }))
    let attempt = 1
    while (pending && pending.length > 0) {
      type Output = {
        Responses?: Record<string, Record<string, unknown>[]>
        UnprocessedKeys?: Record<string, { Keys?: Record<string, unknown>[] }>
      }
      const out: Output = await send<Output>(
        adapter,
        new BatchGetCommand({
          RequestItems: {
            [adapter.tableName]: { ConsistentRead: consistentRead, Keys: pending, ...projection },
          },
          ReturnConsumedCapacity: 'TOTAL',
        }),
      )
      for (const item of out.Responses?.[adapter.tableName] ?? []) {
        found.set(`${String(item.pk)}\u0000${String(item.sk)}`, item)
      }
      pending = out.UnprocessedKeys?.[adapter.tableName]?.Keys
      if (pending && pending.length > 0) {
        if (attempt >= MAX_BATCH_ATTEMPTS) {
          throw unprocessedError({
            attempts: attempt,
            left: pending.length,
            operation: 'BatchGetItem',
            tableName: adapter.tableName,
            total: keys.length,
          })
        }
        await backoff(attempt++)
      }
    }
  }
  return found
}

/** Reads items by key: the items found, by `pk\0sk` (it may hold more than the keys asked for). */
export type ItemReader = (
  keys: ItemKey[],
  consistentRead: boolean,
) => Promise<Map<string, Record<string, unknown>>>

/**
 * Documents by key (see `batchGetItems`), by `pk\0sk`, each remembering its revision. `read`
 * (whole items) may share its request with other reads (storage/readTogether.ts).
 */
export async function batchGetByKey(
  adapter: Store,
  keys: ItemKey[],
  consistentRead = true,
  onlyFields?: string[],
  read?: ItemReader,
): Promise<Map<string, StoredDocument>> {
  const found = read
    ? await read(keys, consistentRead)
    : await batchGetItems(adapter, keys, consistentRead, onlyFields)
  // A shared read found the other reads' items too.
  const wanted = read && new Set(keys.map(({ pk, sk }) => `${pk}\u0000${sk}`))
  const items = await withDocuments(
    adapter,
    wanted
      ? [...found.entries()].filter(([name]) => wanted.has(name)).map(([, item]) => item)
      : [...found.values()],
  )
  return new Map(
    items.map((item) => [
      `${String(item.pk)}\u0000${String(item.sk)}`,
      documentOf<StoredDocument>(item),
    ]),
  )
}
