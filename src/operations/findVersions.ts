import type { FindGlobalVersions, FindVersions } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../read/findPage.js'
import { getCollectionConfig, globalVersionsNamespace, versionsNamespace } from '../namespaces.js'

export const findVersions: FindVersions = async function findVersions(
  this: DynamoDBAdapter,
  { collection, limit, locale, page, pagination, select, sort, where },
) {
  return findPage(this, versionsNamespace(this, collection), {
    limit,
    locale,
    page,
    pagination,
    select,
    sort: sort ?? getCollectionConfig(this, collection).defaultSort,
    where,
  }) as never
}

export const findGlobalVersions: FindGlobalVersions = async function findGlobalVersions(
  this: DynamoDBAdapter,
  { global, limit, locale, page, pagination, select, sort, where },
) {
  return findPage(this, globalVersionsNamespace(this, global), {
    limit,
    locale,
    page,
    pagination,
    select,
    sort,
    where,
  }) as never
}
