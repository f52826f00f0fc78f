import type { DatabaseAdapterObj, Payload } from 'payload'

import { createDatabaseAdapter, findMigrationDir } from 'payload'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from './types.js'

import { connect, destroy } from './connect.js'
import { iterateDocuments } from './cursor.js'
import { explain } from './explain.js'
import { rebuildIndexes } from './indexes/rebuild.js'
import { repairIndexes } from './indexes/repair.js'
import { syncIndexes } from './indexes/syncIndexes.js'
import { neverRaw } from './storage/neverRaw.js'
import { DEFAULT_COUNTER_SHARDS, MAX_COUNTER_SHARDS } from './indexes/valueCounters.js'
import { verifyIndexes } from './indexes/verify.js'
import { createMigration } from './migrations/createMigration.js'
import { clearDatabase, migrateFresh } from './migrations/migrateFresh.js'
import { migrateDocuments } from './migrations/migrateDocuments.js'
import { migrateLocked, rerunnable } from './migrations/rerunnableMigrations.js'
import { count } from './operations/count.js'
import { countGlobalVersions, countVersions } from './operations/countVersions.js'
import { create } from './operations/create.js'
import { createGlobalVersion } from './operations/createGlobalVersion.js'
import { createVersion } from './operations/createVersion.js'
import { deleteMany } from './operations/deleteMany.js'
import { deleteOne } from './operations/deleteOne.js'
import { deleteVersions } from './operations/deleteVersions.js'
import { find } from './operations/find.js'
import { findDistinct } from './operations/findDistinct.js'
import { findOne } from './operations/findOne.js'
import { findGlobalVersions, findVersions } from './operations/findVersions.js'
import { createGlobal, findGlobal, updateGlobal } from './operations/globals.js'
import { queryDrafts } from './operations/queryDrafts.js'
import { updateMany } from './operations/updateMany.js'
import { updateOne } from './operations/updateOne.js'
import { updateJobs } from './operations/updateJobs.js'
import { updateGlobalVersion, updateVersion } from './operations/updateVersion.js'
import { upsert } from './operations/upsert.js'
import { createClients } from './storage/createClients.js'
import { RequestStats } from './storage/requestStats.js'
import { bindTransaction } from './transactions/bindTransaction.js'
import { finishOpenCommits } from './transactions/recover.js'
import {
  beginTransaction,
  commitTransaction,
  rollbackTransaction,
} from './transactions/lifecycle.js'

export {
  ADAPTER_IAM_ACTIONS,
  iamPolicy,
  type IAMPolicyDocument,
  type InfrastructureFormat,
  type InfrastructureOptions,
  render as renderInfrastructure,
  tableDefinition,
} from './infrastructure/index.js'
export type { MigrateDownArgs, MigrateUpArgs } from './migrations/types.js'
export type {
  CursorPage,
  DriftExample,
  DynamoDBAdapter,
  DynamoDBAdapterArgs,
  ExplainArgs,
  Explanation,
  IndexReport,
  IterateArgs,
  MigrateDocumentsArgs,
  MigrateDocumentsProgress,
  MigrateDocumentsResult,
  RebuildArgs,
  RepairArgs,
  RepairReport,
  VerifyArgs,
} from './types.js'

/**
 * Payload database adapter for Amazon DynamoDB (single-table design).
 *
 * ```ts
 * db: dynamodbAdapter({ tableName: 'payload', clientConfig: { region: 'eu-west-1' } })
 * ```
 */
/** Counter shards: a whole number from 1 to MAX_COUNTER_SHARDS (more only makes every count read longer). */
function validShards(shards: number | undefined): number {
  if (shards === undefined) {
    return DEFAULT_COUNTER_SHARDS
  }
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_COUNTER_SHARDS) {
    throw new Error(
      `payload-db-dynamodb: counterShards must be a whole number from 1 to ${MAX_COUNTER_SHARDS} (got ${shards}).`,
    )
  }
  return shards
}

/** The `readCache` option with its defaults (off without strongly consistent reads). */
function readCacheLimits(args: DynamoDBAdapterArgs): DynamoDBAdapter['readCache'] {
  if (args.readCache === false || args.consistentRead === false) {
    return false
  }
  const maxDocuments = args.readCache?.maxDocuments ?? 500
  const maxBytes = args.readCache?.maxBytes ?? 32 * 1024 * 1024
  if (!(maxDocuments >= 0) || !(maxBytes >= 0)) {
    throw new Error('payload-db-dynamodb: readCache limits must be numbers of at least 0.')
  }
  return { lease: args.readCache?.lease !== false, maxBytes, maxDocuments }
}

export function dynamodbAdapter(args: DynamoDBAdapterArgs): DatabaseAdapterObj<DynamoDBAdapter> {
  if (!args || typeof args.tableName !== 'string' || args.tableName.length < 3) {
    throw new Error('dynamodbAdapter: `tableName` is required (3-255 characters).')
  }
  const allowIDOnCreate = args.allowIDOnCreate ?? false
  const transactionsOn = args.transactionOptions !== false

  function adapter({ payload }: { payload: Payload }): DynamoDBAdapter {
    const { client, docClient } = createClients(args)
    return createDatabaseAdapter<DynamoDBAdapter>({
      name: 'dynamodb',
      allowIDOnCreate,
      beginTransaction: transactionsOn ? neverRaw(beginTransaction) : async () => null,
      buildIndexesOnStart: args.buildIndexes ?? process.env.NODE_ENV !== 'production',
      // One transaction for a whole bulk update/delete: see docs/consistency.md.
      bulkOperationsSingleTransaction: false,
      clearDatabase: neverRaw(clearDatabase),
      client,
      commitTransaction: neverRaw(commitTransaction),
      connect: neverRaw(connect),
      consistentRead: args.consistentRead ?? true,
      counterShards: validShards(args.counterShards),
      count: bindTransaction(count),
      countGlobalVersions: bindTransaction(countGlobalVersions),
      countVersions: bindTransaction(countVersions),
      create: bindTransaction(create),
      createGlobal: bindTransaction(createGlobal),
      createGlobalVersion: bindTransaction(createGlobalVersion),
      createMigration,
      createTable: args.createTable ?? process.env.NODE_ENV !== 'production',
      createVersion: bindTransaction(createVersion),
      defaultIDType: 'text',
      deleteMany: bindTransaction(deleteMany),
      deleteOne: bindTransaction(deleteOne),
      deleteVersions: bindTransaction(deleteVersions),
      destroy,
      docClient,
      explain,
      find: bindTransaction(find),
      findDistinct: bindTransaction(findDistinct),
      finishOpenCommits: neverRaw(function (
        this: DynamoDBAdapter,
        options?: { olderThanMs?: number },
      ) {
        return finishOpenCommits(this, options)
      }),
      findGlobal: bindTransaction(findGlobal),
      findGlobalVersions: bindTransaction(findGlobalVersions),
      findOne: bindTransaction(findOne),
      findVersions: bindTransaction(findVersions),
      generatedIDType: args.idType ?? 'objectID',
      iterateDocuments,
      logFallbackQueries: args.logFallbackQueries ?? true,
      // Not bound to a transaction: it writes each document at once (see migrateDocuments).
      migrateDocuments: neverRaw(migrateDocuments),
      migrate: neverRaw(migrateLocked),
      migrateFresh: neverRaw(migrateFresh),
      migrateDown: neverRaw(rerunnable.migrateDown),
      migrateRefresh: neverRaw(rerunnable.migrateRefresh),
      migrateReset: neverRaw(rerunnable.migrateReset),
      migrationDir: findMigrationDir(args.migrationDir),
      ownsClient: !args.client,
      packageName: 'payload-db-dynamodb',
      prodMigrations: args.prodMigrations,
      payload,
      queryDrafts: bindTransaction(queryDrafts),
      rollbackTransaction: neverRaw(rollbackTransaction),
      readCache: readCacheLimits(args),
      rebuildIndexes: neverRaw(rebuildIndexes),
      repairIndexes: neverRaw(repairIndexes),
      stats: new RequestStats(),
      syncIndexes: neverRaw(function (this: DynamoDBAdapter, options?: { dryRun?: boolean }) {
        return syncIndexes(this, { build: !options?.dryRun, record: !options?.dryRun })
      }),
      tableName: args.tableName,
      transactionConflicts:
        (args.transactionOptions !== false && args.transactionOptions?.onConflict) || 'retry',
      updateGlobal: bindTransaction(updateGlobal),
      updateGlobalVersion: bindTransaction(updateGlobalVersion),
      updateJobs: bindTransaction(updateJobs),
      updateMany: bindTransaction(updateMany),
      updateOne: bindTransaction(updateOne),
      updateVersion: bindTransaction(updateVersion),
      upsert: bindTransaction(upsert),
      verifyIndexes: neverRaw(verifyIndexes),
    } as Parameters<typeof createDatabaseAdapter<DynamoDBAdapter>>[0])
  }

  return {
    name: 'dynamodb',
    allowIDOnCreate,
    defaultIDType: 'text',
    init: adapter,
  }
}
