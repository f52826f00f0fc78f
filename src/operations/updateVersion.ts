import type { UpdateGlobalVersion, UpdateVersion } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { globalVersionsNamespace, versionsNamespace } from '../namespaces.js'
import { applySelect } from '../query/applySelect.js'
import { findPage } from '../read/findPage.js'
import { latestChanges } from '../write/versionWrites.js'
import { updateDocuments } from '../write/writeUpdate.js'
import { narrowedTo } from '../write/statementRows.js'

async function updateVersionIn(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: Parameters<UpdateGlobalVersion>[0] | Parameters<UpdateVersion>[0],
) {
  const { id, locale, req, returning, select, versionData, where } = args
  const [updated] = await updateDocuments(
    adapter,
    namespace,
    async (onlyIDs) =>
      (
        await findPage(adapter, namespace, {
          limit: 1,
          locale,
          pagination: false,
          where: narrowedTo(where ?? { id: { equals: id } }, onlyIDs),
        })
      ).docs,
    versionData,
    req,
    // A version made latest (Payload's autosave updates the latest version in place): through
    // the parent's latest-version pointer, as a new version is, so a save that superseded it
    // meanwhile is not undone (two versions latest).
    versionData.latest === true && namespace.fields.some((field) => field.name === 'latest')
      ? async ([change, ...rest]) =>
          change?.after && rest.length === 0
            ? latestChanges(adapter, namespace, change)
            : [change, ...rest].filter(Boolean)
      : undefined,
  )
  return !updated || returning === false ? null : applySelect(updated, namespace.fields, select)
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
