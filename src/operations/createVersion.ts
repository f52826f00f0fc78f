import type { CreateVersion } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { writeNewVersion } from '../write/versionWrites.js'
import { versionsNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'

export const createVersion: CreateVersion = async function createVersion(
  this: DynamoDBAdapter,
  {
    autosave,
    collectionSlug,
    createdAt,
    parent,
    publishedLocale,
    req,
    returning,
    select,
    snapshot,
    updatedAt,
    versionData,
  },
) {
  const namespace = versionsNamespace(this, collectionSlug)
  const doc = await writeNewVersion(
    this,
    namespace,
    {
      autosave,
      createdAt,
      parent,
      publishedLocale,
      snapshot,
      updatedAt,
      version: versionData,
    },
    req,
  )
  return (returning === false ? null : applySelect(doc, namespace.fields, select)) as never
}
