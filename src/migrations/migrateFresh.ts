import { ScanCommand } from '@aws-sdk/lib-dynamodb'
import {
  commitTransaction,
  createLocalReq,
  initTransaction,
  killTransaction,
  readMigrationFiles,
} from 'payload'

import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'

import { syncIndexes } from '../indexes/syncIndexes.js'

import { batchDeleteItems } from '../storage/documentStore.js'
import { send } from '../storage/send.js'
import { forgetIndexRecords } from '../indexes/indexRecord.js'
import { dropSnapshots } from '../read/snapshots.js'
import { takeBackEveryLease } from '../leases/claimWrite.js'
import { quiesceLeases } from '../leases/holdLease.js'
import { STATE_SK } from '../indexes/versionBump.js'
import { isMigrationLock, withMigrationLock } from './migrationLock.js'
import { resetStateItem } from './stateAfterClear.js'

/** Deletes every item in the adapter's table (the table belongs to this Payload instance). */
export async function dropAllItems(adapter: DynamoDBAdapter): Promise<number> {
  // This process's own lease takings end first; none starts until the table is empty.
  const resumeLeases = await quiesceLeases(adapter)
  try {
    // Other processes' read leases: their holders answer from memory until they end. No lease
    // is taken until the state items are reset.
    const closed = await takeBackEveryLease(adapter)
    return await deleteEveryItem(adapter, closed)
  } finally {
    resumeLeases()
  }
}

async function deleteEveryItem(
  adapter: DynamoDBAdapter,
  closed: ReadonlyMap<string, string>,
): Promise<number> {
  let deleted = 0
  const states: ItemKey[] = []
  let startKey: Record<string, unknown> | undefined
  do {
    const out = await send<{ Items?: ItemKey[]; LastEvaluatedKey?: Record<string, unknown> }>(
      adapter,
      new ScanCommand({
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ProjectionExpression: 'pk, sk',
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
    // The migration lock stays: `migrate:fresh` holds it while it empties the table.
    const keys = (out.Items ?? [])
      .map(({ pk, sk }) => ({ pk, sk }))
      .filter((key) => !isMigrationLock(key))
    // State items are emptied once the rest is gone, never deleted (stateAfterClear.ts).
    states.push(...keys.filter((key) => key.sk === STATE_SK))
    const others = keys.filter((key) => key.sk !== STATE_SK)
    await batchDeleteItems(adapter, others)
    deleted += others.length
    startKey = out.LastEvaluatedKey
  } while (startKey)
  for (const key of states) {
    await resetStateItem(adapter, key, closed.get(key.pk))
  }
  return deleted
}

/**
 * Empties the table: what a test set-up wants between suites (Payload's own test harness calls
 * `clearDatabase()` on adapters that are neither Mongoose nor Drizzle).
 */
export async function clearDatabase(this: DynamoDBAdapter): Promise<void> {
  await dropAllItems(this)
  dropSnapshots(this)
  forgetIndexRecords(this)
}

/** `payload migrate:fresh`: empty the table, then run every migration's `up` as batch 1. */
export async function migrateFresh(
  this: DynamoDBAdapter,
  { forceAcceptWarning = false }: { forceAcceptWarning?: boolean },
): Promise<void> {
  const { payload } = this
  if (!forceAcceptWarning) {
    payload.logger.warn(
      `migrate:fresh deletes every item in DynamoDB table "${this.tableName}". Re-run with --force-accept-warning to proceed.`,
    )
    return
  }
  await withMigrationLock(this, () => emptyAndMigrate(this))
}

async function emptyAndMigrate(adapter: DynamoDBAdapter): Promise<void> {
  const { payload } = adapter
  payload.logger.info({ msg: `Deleting every item in table ${adapter.tableName}.` })
  await dropAllItems(adapter)
  forgetIndexRecords(adapter)
  // Every namespace is empty now: its indexes are complete, as on a new table (connect.ts).
  // Recorded before the migrations write, or their collections would count as not built.
  await syncIndexes(adapter, { build: false, throwOnError: false })

  const migrations = await readMigrationFiles({ payload })
  for (const migration of migrations) {
    payload.logger.info({ msg: `Migrating: ${migration.name}` })
    // A whole local request (i18n, user, context), as Payload's migrate gives each migration.
    const req = await createLocalReq({}, payload)
    try {
      await initTransaction(req)
      await migration.up({ payload, req } as never)
      await payload.create({
        collection: 'payload-migrations',
        data: { name: migration.name, batch: 1 },
        req,
      })
      await commitTransaction(req)
    } catch (error) {
      await killTransaction(req)
      payload.logger.error({ err: error, msg: `Error running migration ${migration.name}.` })
      throw error
    }
  }
}
