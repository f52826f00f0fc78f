import { isDate } from 'node:util/types'

import type { PayloadRequest, Where } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { coerceID, keyOf } from '../namespaces.js'
import { findPage } from '../read/findPage.js'
import { activeTransaction } from '../transactions/session.js'
import { derivedDocumentID, newDocumentID } from '../utilities/newDocumentID.js'
import { performWrite } from './performWrite.js'
import { returnedCopy } from './returnedCopy.js'
import { assertReferencesExist, referencesHeld, transformWrite } from './transformWrite.js'
import { updatedDocument } from './writeUpdate.js'
import { insertionOrder } from '../read/insertionOrder.js'

/** How many ids derived from one `where` are tried before a generated one. */
const DERIVED_IDS = 4

type UpsertArgs = {
  data: Record<string, unknown>
  /** The document to update or create (`updateOne` by id with `upsert`): created with this id. */
  id?: number | string
  locale?: string
  req?: Partial<PayloadRequest>
  where?: Where
}

/**
 * Updates the first document matching `where`, or creates one from `data` when none matches, in
 * one write step. A created document's id is derived from the collection and `where`, so two
 * upserts racing on one `where` (Payload's preferences, its key-value store) meet on one key: the
 * later create is refused by its condition and its step runs again over the document the first
 * one created, updating it. With random ids both would be created (a duplicate preference), or
 * the later refused on a unique field (`payload.kv.set`), as on db-sqlite and db-postgres.
 */
export async function upsertDocument(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  { id: givenID, data, locale, req, where: givenWhere }: UpsertArgs,
): Promise<Doc> {
  const collection = namespace.kind === 'collection' ? namespace.slug : undefined
  const where = givenID !== undefined ? { id: { equals: givenID } } : givenWhere
  const forUpdate = transformWrite(adapter, namespace, data, 'update')
  const forCreate = transformWrite(adapter, namespace, data, 'create')
  const seed = JSON.stringify([namespace.slug, locale ?? null, canonical(where ?? {})])
  const derived = (n: number) => derivedDocumentID(adapter, n === 0 ? seed : `${seed}#${n}`)
  let runs = 0
  let stored: Doc | undefined
  await performWrite(
    adapter,
    async (): Promise<DocumentChange[]> => {
      runs++
      let [existing] = (await firstMatch(adapter, namespace, where ?? {}, locale)).docs
      let candidate: number | string | undefined =
        givenID !== undefined ? coerceID(givenID, namespace) : derived(0)
      // Run again, or in a transaction (whose commit would meet a held id only then, and run
      // again under another id than the one its later statements were given): a free one.
      if (!existing && (runs > 1 || activeTransaction()) && givenID === undefined) {
        candidate = await freeDerivedID(adapter, namespace, derived)
        // Looked for again after the probes: a document that a racing upsert created under one
        // of the ids they found held is updated, not met with a second create.
        ;[existing] = (await firstMatch(adapter, namespace, where ?? {}, locale)).docs
      }
      if (existing) {
        await assertReferencesExist(adapter, {
          collection,
          held: () => referencesHeld(adapter, namespace, [existing]),
          references: forUpdate.references,
          req,
        })
        stored = updatedDocument(namespace, existing, forUpdate.data)
        const key = keyOf(namespace, existing.id as number | string)
        return [{ after: stored, before: existing, key, namespace }]
      }
      const id =
        givenID !== undefined
          ? coerceID(givenID, namespace)
          : newDocumentID(adapter, namespace, data, undefined, candidate as string | undefined)
      await assertReferencesExist(adapter, {
        collection,
        references: forCreate.references,
        req,
        selfID: id,
      })
      stored = newDocument(namespace, { ...forCreate.data, id })
      return [
        {
          after: stored,
          before: null,
          derivedID: id === candidate,
          key: keyOf(namespace, id),
          namespace,
        },
      ]
    },
    req,
  )
  return returnedCopy(stored as Doc)
}

function newDocument(namespace: Namespace, doc: Doc): Doc {
  if (namespace.timestamps) {
    const now = new Date().toISOString()
    doc.createdAt = doc.createdAt ?? now
    doc.updatedAt = doc.updatedAt ?? now
  }
  return doc
}

function firstMatch(adapter: DynamoDBAdapter, namespace: Namespace, where: Where, locale?: string) {
  return findPage(adapter, namespace, {
    limit: 1,
    locale,
    pagination: false,
    sort: insertionOrder(namespace),
    where,
  })
}

/**
 * Run again, the step found no match: the derived id may be held by a document that no longer
 * matches `where` (changed since it was upserted). The next ids derived from the same seed are
 * tried in order, so that racing upserts still meet on one key; past them, a generated id.
 */
async function freeDerivedID(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  derived: (n: number) => string,
): Promise<string | undefined> {
  // Sequential: the first free one is the one every racing upsert takes.
  for (let n = 0; n < DERIVED_IDS; n++) {
    if (!(await holdsID(adapter, namespace, derived(n)))) {
      return derived(n)
    }
  }
  return undefined
}

async function holdsID(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  id: number | string,
): Promise<boolean> {
  return (await firstMatch(adapter, namespace, { id: { equals: id } })).docs.length > 0
}

/** `value` with its objects' keys in order: one `where` written in two orders names one id. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(canonical)
  }
  if (value !== null && typeof value === 'object' && !isDate(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}
