import type { CountGlobalVersions, CountVersions } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { matchDocuments } from '../execute/matchDocuments.js'
import { globalVersionsNamespace, versionsNamespace } from '../namespaces.js'

export const countVersions: CountVersions = async function countVersions(
  this: DynamoDBAdapter,
  { collection, locale, where },
) {
  const docs = await matchDocuments(this, versionsNamespace(this, collection), { locale, where })
  return { totalDocs: docs.length }
}

export const countGlobalVersions: CountGlobalVersions = async function countGlobalVersions(
  this: DynamoDBAdapter,
  { global, locale, where },
) {
  const docs = await matchDocuments(this, globalVersionsNamespace(this, global), { locale, where })
  return { totalDocs: docs.length }
}
