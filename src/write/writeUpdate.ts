import type { PayloadRequest } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { keyOf } from '../namespaces.js'
import { readBeforeFailedCommit } from '../transactions/failedCommits.js'
import { activeTransaction, keyString } from '../transactions/session.js'
import { keepChangesMeanwhile, keepsChangesMeanwhile } from './keepChangesMeanwhile.js'
import { countsFailedLogins, keepLoginCounts } from './loginCounts.js'
import { mergeUpdate } from './mergeUpdate.js'
import { performWrite } from './performWrite.js'
import { shiftedStamps, watchSavedMeanwhile } from './replayStamp.js'
import { returnedCopy } from './returnedCopy.js'
import { type StatementSelect, statementRows } from './statementRows.js'
import { assertReferencesExist, referencesHeld, transformWrite } from './transformWrite.js'

/**
 * The stored document after an update: data merged over what was there, the id kept, and
 * `updatedAt` refreshed unless the caller set it (or passed `null` to leave it alone).
 */
export function updatedDocument(
  namespace: Namespace,
  existing: Doc,
  data: Record<string, unknown>,
): Doc {
  const { updatedAt, ...rest } = data
  const merged = mergeUpdate(existing, rest)
  merged.id = existing.id
  if (updatedAt !== undefined && updatedAt !== null) {
    merged.updatedAt = updatedAt
  } else if (updatedAt === undefined && namespace.timestamps) {
    merged.updatedAt = new Date().toISOString()
  }
  return merged
}

/**
 * Updates the documents `select` finds: `data` (with Payload's `$inc`/`$push`/`$remove`) is
 * merged over each as it is stored. When another writer changes one of them first, `select`
 * runs again and the data is merged over the newer document, so no update is lost and a
 * document that no longer matches is left alone (how a job is claimed only once).
 */
export async function updateDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  select: StatementSelect,
  data: Record<string, unknown>,
  req?: Partial<PayloadRequest>,
  /** What the write also changes, computed from its changes on every attempt (a version's pointer). */
  alongside?: (changes: DocumentChange[]) => Promise<DocumentChange[]>,
): Promise<Doc[]> {
  const { data: stored, references } = transformWrite(adapter, namespace, data, 'update')
  const keepsChanges = keepsChangesMeanwhile(adapter, namespace)
  const keepsCounts = countsFailedLogins(adapter, namespace)
  const mergesUsers = keepsChanges || keepsCounts
  // Each user as this write first read it (the write is computed again on conflicts), for the
  // merges over what changed meanwhile.
  const firstRead = new Map<string, Doc>()
  const noteIfSavedMeanwhile = watchSavedMeanwhile(adapter, namespace)
  const dataFor = (read: Doc | undefined, doc: Doc) => {
    if (!read) {
      return stored
    }
    const kept = keepsChanges ? keepChangesMeanwhile(read, doc, stored) : stored
    return keepsCounts ? keepLoginCounts(read, doc, kept) : kept
  }
  const transaction = activeTransaction()
  const updatedFrom = (doc: Doc) => {
    const key = keyOf(namespace, doc.id as number | string)
    const read = firstRead.get(String(doc.id)) ?? readBeforeFailedCommit(key)
    if (mergesUsers && !firstRead.has(String(doc.id))) {
      firstRead.set(String(doc.id), read ?? doc)
    }
    if (
      mergesUsers &&
      transaction &&
      !transaction.replaying &&
      !transaction.firstWriteReads.has(keyString(key))
    ) {
      transaction.firstWriteReads.set(keyString(key), doc)
    }
    noteIfSavedMeanwhile(key, doc)
    return shiftedStamps(
      adapter,
      namespace,
      doc,
      updatedDocument(namespace, doc, dataFor(read, doc)),
    )
  }
  let updated: Doc[] = []
  const selectRows = statementRows(select)
  await performWrite(
    adapter,
    async () => {
      const existing = await selectRows()
      await assertReferencesExist(adapter, {
        collection: namespace.kind === 'collection' ? namespace.slug : undefined,
        held: () => referencesHeld(adapter, namespace, existing),
        references,
        req,
      })
      updated = existing.map(updatedFrom)
      const changes = updated.map((after, index) => ({
        after,
        before: existing[index],
        key: keyOf(namespace, existing[index].id as number | string),
        namespace,
      }))
      if (!alongside) {
        return changes
      }
      const all = await alongside(changes)
      // What is stored may differ from the merge (a version kept from being latest): return that.
      updated = changes.map(
        (change) =>
          (all.find((each) => each.key.pk === change.key.pk && each.key.sk === change.key.sk)
            ?.after ?? change.after) as Doc,
      )
      return all
    },
    req,
  )
  return updated.map(returnedCopy)
}
