import type { PayloadRequest } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { DocumentChange } from '../transactions/session.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { documentKey } from '../keys/itemKeys.js'
import { keyOf, latestPointerNamespace } from '../namespaces.js'
import { matchDocuments } from '../read/matchDocuments.js'
import { readDocument } from '../read/readDocument.js'
import { generateID } from '../utilities/generateID.js'
import { isPlainObject } from '../utilities/plainObject.js'
import { toDate } from './transform/coerce.js'
import { idOfCollection } from './transform/relations.js'
import { performWrite } from './performWrite.js'
import { afterOtherVersions, shiftedStamps } from './replayStamp.js'
import { returnedCopy } from './returnedCopy.js'
import { transformVersionData } from './transformWrite.js'

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
 * versions it supersedes (of the same parent, for collections): `latest: false`, as the SQL adapters
 * store it, so exactly one version is latest: the one with the newest `updatedAt`. A concurrent
 * save that supersedes the same version makes the write run again over what it saved.
 */
export async function writeNewVersion(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  input: NewVersion,
  req?: Partial<PayloadRequest>,
): Promise<Doc> {
  const now = new Date().toISOString()
  const doc: Doc = {
    id: generateID(),
    autosave: input.autosave,
    // A caller's Date (a plugin, an import) is stored in ISO form, as every other date.
    createdAt: toDate(input.createdAt ?? now),
    latest: true,
    // As the parent collection stores its ids: Payload passes it as the request named it ('5').
    parent: idOfCollection(adapter, namespace.slug, input.parent),
    publishedLocale: input.publishedLocale,
    snapshot: input.snapshot,
    updatedAt: toDate(input.updatedAt ?? now),
    version: transformVersionData(adapter, namespace, input.version),
  }
  if (namespace.kind === 'globalVersions') {
    delete doc.parent
  }
  // As the SQL adapters store a version: its data without the document's id (the version's
  // `parent` names it), and `autosave` only where the versions have that field (drafts).
  if (isPlainObject(doc.version)) {
    delete doc.version.id
  }
  if (!namespace.fields.some((field) => field.name === 'autosave')) {
    delete doc.autosave
  }
  // Only versions with drafts have a `latest` field to keep up to date.
  const tracksLatest = namespace.fields.some((field) => field.name === 'latest')
  const created = { after: doc, before: null, key: keyOf(namespace, doc.id as string), namespace }
  if (!tracksLatest) {
    delete doc.latest
    await performWrite(adapter, async () => [created], req)
    return returnedCopy(doc)
  }
  // Returned as stored: not latest when a newer version was saved meanwhile.
  let stored = doc
  await performWrite(
    adapter,
    async () => {
      // Stamped again when a transaction's commit runs again over a save made meanwhile.
      const changes = await latestChanges(adapter, namespace, {
        ...created,
        after: shiftedStamps(adapter, namespace, null, doc),
      })
      stored = changes[0].after as Doc
      return changes
    },
    req,
  )
  return returnedCopy(stored)
}

/**
 * The changes that make `change` (a version written with `latest: true`) the parent's latest
 * version: the versions it supersedes get `latest: false`, and the parent's latest-version pointer
 * is rewritten on the condition that it is still the revision read, so concurrent saves of one
 * parent run one after the other: the second finds the first's version (through the pointer,
 * which a query for `latest` could miss while the first commits) and supersedes it, or stays
 * behind it (`latest: false`) if that one was updated later.
 */
export async function latestChanges(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  change: DocumentChange,
): Promise<DocumentChange[]> {
  const doc = change.after as Doc
  const pointers = latestPointerNamespace(namespace)
  const parentKey = doc.parent !== undefined ? (doc.parent as number | string) : 'global'
  const pointerKey = documentKey('latest', pointers.slug, parentKey)
  const pointer = await readDocument(adapter, pointerKey)
  const previous = await matchDocuments(adapter, namespace, {
    where: {
      and: [
        { latest: { equals: true } },
        ...(doc.parent !== undefined ? [{ parent: { equals: doc.parent } }] : []),
      ],
    },
  })
  const pointed = pointer?.latest as string | undefined
  if (pointed && pointed !== doc.id && !previous.some((version) => version.id === pointed)) {
    const version = await readDocument(adapter, keyOf(namespace, pointed))
    if (version?.latest === true) {
      previous.push(version)
    }
  }
  const others = previous.filter((version) => version.id !== doc.id)
  const own = afterOtherVersions(namespace, doc, others)
  // The latest version is the one updated last: a newer one saved meanwhile stays latest.
  const newest = others.find((version) => String(version.updatedAt ?? '') > String(own.updatedAt))
  const superseded = others.filter(
    (version) => String(version.updatedAt ?? '') <= String(own.updatedAt),
  )
  return [
    { ...change, after: newest ? { ...own, latest: false } : own },
    ...superseded.map((version) => ({
      after: { ...version, latest: false },
      before: version,
      key: keyOf(namespace, version.id as string),
      namespace,
    })),
    {
      after: { id: parentKey, latest: newest ? newest.id : doc.id },
      before: pointer,
      key: pointerKey,
      namespace: pointers,
    },
  ]
}
