import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { keyOf } from '../namespaces.js'
import { documentItem } from '../storage/documentStore.js'
import { transactWrite, type WriteAction } from '../transactions/transactWrite.js'
import { generateID } from '../utilities/generateID.js'
import { matchDocuments } from './matchDocuments.js'

export type NewVersion = {
  autosave?: boolean
  createdAt?: string
  parent?: number | string
  publishedLocale?: string
  snapshot?: true
  updatedAt?: string
  version: Record<string, unknown>
}

/**
 * Stores a new version as the latest one and, in the same transaction, clears `latest` on the
 * versions it supersedes (of the same parent, for collections), so exactly one version is latest.
 */
export async function writeNewVersion(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  input: NewVersion,
): Promise<Doc> {
  const now = new Date().toISOString()
  const doc: Doc = {
    id: generateID(),
    autosave: input.autosave,
    createdAt: input.createdAt ?? now,
    latest: true,
    parent: input.parent,
    publishedLocale: input.publishedLocale,
    snapshot: input.snapshot,
    updatedAt: input.updatedAt ?? now,
    version: input.version,
  }
  if (namespace.kind === 'globalVersions') {
    delete doc.parent
  }
  const previous = await matchDocuments(adapter, namespace, {
    where: {
      and: [
        { latest: { equals: true } },
        ...(doc.parent !== undefined ? [{ parent: { equals: doc.parent } }] : []),
      ],
    },
  })
  const superseded = previous.filter(
    (version) => String(version.updatedAt ?? '') <= String(doc.updatedAt),
  )
  const actions: WriteAction[] = [
    { condition: 'mustNotExist', item: documentItem(keyOf(namespace, doc.id as string), doc), type: 'put' },
    ...superseded.map((version) => {
      const { latest: _latest, ...rest } = version
      return {
        condition: 'mustExist' as const,
        item: documentItem(keyOf(namespace, version.id as string), rest),
        type: 'put' as const,
      }
    }),
  ]
  await transactWrite(adapter, actions)
  return doc
}
