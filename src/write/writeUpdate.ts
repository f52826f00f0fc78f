import type { PayloadRequest } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { writeDocuments } from './documentWrites.js'
import { mergeUpdate } from './mergeUpdate.js'
import { assertReferencesExist, transformWrite } from './transformWrite.js'

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

/** Writes the updates of several documents all-or-nothing (per 100 documents). */
export async function writeUpdates(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  existing: Doc[],
  data: Record<string, unknown>,
  req?: Partial<PayloadRequest>,
): Promise<Doc[]> {
  const { data: stored, references } = transformWrite(adapter, namespace, data, 'update')
  await assertReferencesExist(adapter, {
    collection: namespace.kind === 'collection' ? namespace.slug : undefined,
    existing,
    references,
    req,
  })
  const updated = existing.map((doc) => updatedDocument(namespace, doc, stored))
  await writeDocuments(
    adapter,
    namespace,
    updated.map((after, i) => ({ after, before: existing[i] })),
    req,
  )
  return updated
}

export async function writeUpdate(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  existing: Doc,
  data: Record<string, unknown>,
  req?: Partial<PayloadRequest>,
): Promise<Doc> {
  const [doc] = await writeUpdates(adapter, namespace, [existing], data, req)
  return doc
}
