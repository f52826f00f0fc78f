import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { isDeepStrictEqual } from 'node:util'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DocumentChange } from '../transactions/session.js'
import type {
  DynamoDBAdapter,
  MigrateDocumentsArgs,
  MigrateDocumentsProgress,
  MigrateDocumentsResult,
} from '../types.js'

import {
  collectionNamespace,
  globalVersionsNamespace,
  keyOf,
  versionsNamespace,
} from '../namespaces.js'
import { getDocument, iteratePartition } from '../storage/documentStore.js'
import { send } from '../storage/send.js'
import { runInTransaction } from '../transactions/session.js'
import { inParallel } from '../utilities/inParallel.js'
import { writeWithRetries } from '../write/performWrite.js'
import { transformWrite } from '../write/transformWrite.js'

/** The partition of the progress records of named runs: item (`M#migrations`, `<name>`). */
export const MIGRATIONS_PK = 'M#migrations'

type ProgressRecord = MigrateDocumentsProgress & { done: boolean; target: string }

const encodeCursor = (key: Record<string, unknown>) =>
  Buffer.from(JSON.stringify(key)).toString('base64url')
const decodeCursor = (cursor: string) =>
  JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>

function targetOf(adapter: DynamoDBAdapter, args: MigrateDocumentsArgs): Namespace {
  if (args.global !== undefined) {
    if (args.collection !== undefined || !args.versions) {
      throw new Error(
        "migrateDocuments: `global` walks a global's versions: pass `versions: true` (and no `collection`).",
      )
    }
    return globalVersionsNamespace(adapter, args.global)
  }
  if (args.collection === undefined) {
    throw new Error('migrateDocuments: pass `collection` (or `global` with `versions: true`).')
  }
  return args.versions
    ? versionsNamespace(adapter, args.collection)
    : collectionNamespace(adapter, args.collection)
}

async function readProgress(
  adapter: DynamoDBAdapter,
  name: string,
): Promise<ProgressRecord | undefined> {
  const out = await send<{ Item?: Record<string, unknown> }>(
    adapter,
    new GetCommand({
      ConsistentRead: true,
      Key: { pk: MIGRATIONS_PK, sk: name },
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  return out.Item as ProgressRecord | undefined
}

async function writeProgress(
  adapter: DynamoDBAdapter,
  name: string,
  record: ProgressRecord,
): Promise<void> {
  await send(
    adapter,
    new PutCommand({
      Item: {
        changed: record.changed,
        deleted: record.deleted,
        documents: record.documents,
        done: record.done,
        pk: MIGRATIONS_PK,
        sk: name,
        target: record.target,
        updatedAt: new Date().toISOString(),
        ...(record.cursor !== undefined ? { cursor: record.cursor } : {}),
      },
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
}

type Outcome = 'changed' | 'deleted' | 'left'

/**
 * Transforms one document and writes the result through the adapter's write path (index
 * entries, uniqueness markers, counter and revision kept right). The write is conditioned on the
 * revision the document was read at; when another writer changed it meanwhile, the document is
 * read again and transformed again, so a concurrent change is migrated rather than overwritten.
 */
async function migrateOne(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  read: Doc,
  transform: MigrateDocumentsArgs['transform'],
): Promise<Outcome> {
  const key = keyOf(namespace, read.id as number | string)
  let outcome: Outcome = 'left'
  let attempt = 0
  await writeWithRetries(
    adapter,
    async (): Promise<DocumentChange[]> => {
      const before = attempt++ === 0 ? read : await getDocument(adapter, key)
      outcome = 'left'
      if (!before) {
        return [] // deleted meanwhile
      }
      const result = await transform(structuredClone(before))
      if (result === undefined) {
        return []
      }
      if (result === null) {
        outcome = 'deleted'
        return [{ after: null, before, key, namespace }]
      }
      // Values normalized as any adapter write stores them; keys the transform returned that no
      // field declares are kept as returned (remove a key by leaving it out).
      const { data } = transformWrite(adapter, namespace, result, 'update')
      const after: Doc = { ...result, ...data, id: before.id }
      if (isDeepStrictEqual(after, before)) {
        return []
      }
      outcome = 'changed'
      return [{ after, before, key, namespace }]
    },
    {},
  )
  return outcome
}

/**
 * A data migration's walk over a collection (or its versions, or a global's versions): each
 * document is passed to `transform`, whose result replaces it (`undefined`: left as it is,
 * `null`: deleted), written through the adapter's write path. Page by page with DynamoDB's
 * cursor; with a `name`, progress is recorded in the table after every page, so a run that
 * crashed continues after its last completed page when called again with the same name, and a
 * run recorded as done is not run again. See README, "Data migrations".
 */
export async function migrateDocuments(
  this: DynamoDBAdapter,
  args: MigrateDocumentsArgs,
): Promise<MigrateDocumentsResult> {
  const namespace = targetOf(this, args)
  const { name } = args
  const recorded = name !== undefined ? await readProgress(this, name) : undefined
  if (recorded && recorded.target !== namespace.pk) {
    throw new Error(
      `migrateDocuments: "${String(name)}" is the name of a run over another collection; choose another name.`,
    )
  }
  const progress: MigrateDocumentsProgress = {
    changed: recorded?.changed ?? 0,
    cursor: recorded ? recorded.cursor : args.cursor,
    deleted: recorded?.deleted ?? 0,
    documents: recorded?.documents ?? 0,
  }
  if (recorded?.done) {
    return { ...progress, alreadyDone: true, done: true, resumed: false }
  }
  const resumed = Boolean(recorded) || args.cursor !== undefined
  const concurrency = Math.max(1, args.concurrency ?? 4)

  return runInTransaction(undefined, async () => {
    if (name !== undefined && !recorded) {
      await writeProgress(this, name, { ...progress, done: false, target: namespace.pk })
    }
    for await (const page of iteratePartition(this, namespace.pk, {
      pageSize: args.pageSize ?? 100,
      startKey: progress.cursor ? decodeCursor(progress.cursor) : undefined,
    })) {
      await inParallel(page.docs as Doc[], concurrency, async (doc) => {
        const outcome = await migrateOne(this, namespace, doc, args.transform)
        progress.documents++
        if (outcome === 'changed') {
          progress.changed++
        } else if (outcome === 'deleted') {
          progress.deleted++
        }
      })
      progress.cursor = page.cursor ? encodeCursor(page.cursor) : undefined
      const done = progress.cursor === undefined
      if (name !== undefined) {
        await writeProgress(this, name, { ...progress, done, target: namespace.pk })
      }
      await args.onProgress?.({ ...progress })
      if (!done && args.signal?.aborted) {
        return { ...progress, alreadyDone: false, done: false, resumed }
      }
    }
    return { ...progress, alreadyDone: false, cursor: undefined, done: true, resumed }
  })
}
