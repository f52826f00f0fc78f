import type { CreateGlobal, FindGlobal, UpdateGlobal } from 'payload'

import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { globalKey } from '../keys/itemKeys.js'
import { globalNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { compileWhere } from '../query/compileWhere.js'
import { createLookup } from '../read/lookup.js'
import { readDocument } from '../read/readDocument.js'
import { generateID } from '../utilities/generateID.js'
import { mergeUpdate } from '../write/mergeUpdate.js'
import { performWrite } from '../write/performWrite.js'
import { shiftedStamps, watchSavedMeanwhile } from '../write/replayStamp.js'
import { returnedCopy } from '../write/returnedCopy.js'
import { assertReferencesExist, referencesHeld, transformWrite } from '../write/transformWrite.js'

/** A global is one item; `globalType` names it as the official adapters do. */
export const createGlobal: CreateGlobal = async function createGlobal(
  this: DynamoDBAdapter,
  { slug, data, req, returning },
) {
  const namespace = globalNamespace(this, slug)
  const now = new Date().toISOString()
  const { data: stored, references } = transformWrite(this, namespace, data, 'create')
  await assertReferencesExist(this, { references, req })
  const doc = {
    ...stored,
    id: stored.id ?? generateID(),
    createdAt: stored.createdAt ?? now,
    globalType: slug,
    updatedAt: stored.updatedAt ?? now,
  }
  const key = globalKey(slug)
  const noteIfSavedMeanwhile = watchSavedMeanwhile(this, namespace)
  // Replaces a global created meanwhile, as the SQL adapters' insert-or-update does.
  await performWrite(
    this,
    async () => {
      const before = await readDocument(this, key)
      noteIfSavedMeanwhile(key, before)
      return [{ after: shiftedStamps(this, namespace, before, doc), before, key, namespace }]
    },
    req,
  )
  // Shaped as every later read returns it (lists never written as []).
  return (
    returning === false ? null : applySelect(returnedCopy(doc), namespace.fields, undefined)
  ) as never
}

export const findGlobal: FindGlobal = async function findGlobal(
  this: DynamoDBAdapter,
  { slug, locale, select, where },
) {
  const namespace = globalNamespace(this, slug)
  const doc = await readDocument(this, globalKey(slug))
  if (!doc) {
    return {} as never
  }
  if (where && Object.keys(where).length > 0) {
    const compiled = await compileWhere(
      { fields: namespace.fields, locale, lookup: createLookup(this), payload: this.payload },
      where,
    )
    if (!compiled.matches(doc)) {
      return {} as never
    }
  }
  return { ...applySelect(doc, namespace.fields, select), globalType: slug } as never
}

export const updateGlobal: UpdateGlobal = async function updateGlobal(
  this: DynamoDBAdapter,
  { slug, data, req, returning, select },
) {
  const namespace = globalNamespace(this, slug)
  const key = globalKey(slug)
  const { data: stored, references } = transformWrite(this, namespace, data, 'update')
  const { updatedAt, ...rest } = stored
  let doc: Doc = {}
  const noteIfSavedMeanwhile = watchSavedMeanwhile(this, namespace)
  await performWrite(
    this,
    async () => {
      const current = await readDocument(this, key)
      const existing = current ?? { id: generateID(), createdAt: new Date().toISOString() }
      await assertReferencesExist(this, {
        held: () => referencesHeld(this, namespace, [existing]),
        references,
        req,
      })
      doc = { ...mergeUpdate(existing, rest), globalType: slug }
      if (updatedAt !== null) {
        doc.updatedAt = updatedAt ?? new Date().toISOString()
      }
      noteIfSavedMeanwhile(key, current)
      doc = shiftedStamps(this, namespace, current, doc)
      return [{ after: doc, before: current, key, namespace }]
    },
    req,
  )
  return (
    returning === false
      ? null
      : { ...applySelect(returnedCopy(doc), namespace.fields, select), globalType: slug }
  ) as never
}
