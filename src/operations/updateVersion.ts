import type { UpdateGlobalVersion, UpdateVersion } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../read/findPage.js'
import { writeUpdate } from '../write/writeUpdate.js'
import { globalVersionsNamespace, versionsNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'

async function updateVersionIn(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: Parameters<UpdateVersion>[0] | Parameters<UpdateGlobalVersion>[0],
) {
  const { id, locale, returning, select, versionData, where } = args
  const {
    docs: [existing],
  } = await findPage(adapter, namespace, {
    limit: 1,
    locale,
    pagination: false,
    where: where ?? { id: { equals: id } },
  })
  if (!existing) {
    return null
  }
  const updated = await writeUpdate(adapter, namespace, existing, versionData)
  return returning === false ? null : applySelect(updated, namespace.fields, select)
}

export const updateVersion: UpdateVersion = async function updateVersion(
  this: DynamoDBAdapter,
  args,
) {
  return updateVersionIn(this, versionsNamespace(this, args.collection), args) as never
}

export const updateGlobalVersion: UpdateGlobalVersion = async function updateGlobalVersion(
  this: DynamoDBAdapter,
  args,
) {
  return updateVersionIn(this, globalVersionsNamespace(this, args.global), args) as never
}
