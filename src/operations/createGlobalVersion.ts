import type { CreateGlobalVersion } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { writeNewVersion } from '../write/versionWrites.js'
import { globalVersionsNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'

export const createGlobalVersion: CreateGlobalVersion = async function createGlobalVersion(
  this: DynamoDBAdapter,
  {
    autosave,
    createdAt,
    globalSlug,
    publishedLocale,
    req,
    returning,
    select,
    snapshot,
    updatedAt,
    versionData,
  },
) {
  const namespace = globalVersionsNamespace(this, globalSlug)
  const doc = await writeNewVersion(
    this,
    namespace,
    {
      autosave,
      createdAt,
      publishedLocale,
      snapshot,
      updatedAt,
      version: versionData,
    },
    req,
  )
  return (returning === false ? null : applySelect(doc, namespace.fields, select)) as never
}
