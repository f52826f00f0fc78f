import type { CountGlobalVersions, CountVersions } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { countDocuments } from '../read/matchDocuments.js'
import { globalVersionsNamespace, versionsNamespace } from '../namespaces.js'

export const countVersions: CountVersions = async function countVersions(
  this: DynamoDBAdapter,
  { collection, locale, where },
) {
  return {
    totalDocs: await countDocuments(this, versionsNamespace(this, collection), { locale, where }),
  }
}

export const countGlobalVersions: CountGlobalVersions = async function countGlobalVersions(
  this: DynamoDBAdapter,
  { global, locale, where },
) {
  return {
    totalDocs: await countDocuments(this, globalVersionsNamespace(this, global), { locale, where }),
  }
}
