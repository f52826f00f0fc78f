import type { CreateGlobal, FindGlobal, UpdateGlobal } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { compileWhere } from '../query/compileWhere.js'
import { createLookup } from '../read/lookup.js'
import { mergeUpdate } from '../write/mergeUpdate.js'
import { assertReferencesExist, transformWrite } from '../write/transformWrite.js'
import { globalKey } from '../keys/itemKeys.js'
import { globalNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { getDocument, putDocument } from '../storage/documentStore.js'
import { generateID } from '../utilities/generateID.js'

/** A global is one item; `globalType` names it as the official adapters do. */
export const createGlobal: CreateGlobal = async function createGlobal(
  this: DynamoDBAdapter,
  { slug, data, req, returning },
) {
  const now = new Date().toISOString()
  const { data: stored, references } = transformWrite(
    this,
    globalNamespace(this, slug),
    data,
    'create',
  )
  await assertReferencesExist(this, { references, req })
  const doc = {
    ...stored,
    id: stored.id ?? generateID(),
    createdAt: stored.createdAt ?? now,
    globalType: slug,
    updatedAt: stored.updatedAt ?? now,
  }
  await putDocument(this, globalKey(slug), doc)
  return (returning === false ? null : doc) as never
}

export const findGlobal: FindGlobal = async function findGlobal(
  this: DynamoDBAdapter,
  { slug, locale, select, where },
) {
  const namespace = globalNamespace(this, slug)
  const doc = await getDocument(this, globalKey(slug))
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
  const existing = (await getDocument(this, globalKey(slug))) ?? {
    id: generateID(),
    createdAt: new Date().toISOString(),
  }
  const { data: stored, references } = transformWrite(this, namespace, data, 'update')
  await assertReferencesExist(this, { existing: [existing], references, req })
  const { updatedAt, ...rest } = stored
  const doc: Record<string, unknown> = { ...mergeUpdate(existing, rest), globalType: slug }
  if (updatedAt !== null) {
    doc.updatedAt = updatedAt ?? new Date().toISOString()
  }
  await putDocument(this, globalKey(slug), doc)
  return (
    returning === false ? null : { ...applySelect(doc, namespace.fields, select), globalType: slug }
  ) as never
}
