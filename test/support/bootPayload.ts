import type { DatabaseAdapterObj, Payload } from 'payload'

import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildConfig, type Config, getPayload } from 'payload'

import type { DynamoDBAdapterArgs } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodbLocal.mjs'

export type Booted = { close: () => Promise<void>; payload: Payload }

/** The adapter pointed at the DynamoDB Local of this test run, on a fresh table. */
export function testDynamoAdapter(
  tableName = `test-${randomUUID()}`,
  options: Partial<DynamoDBAdapterArgs> = {},
): DatabaseAdapterObj {
  const endpoint = process.env.DYNAMODB_ENDPOINT
  if (!endpoint) {
    throw new Error(
      'DYNAMODB_ENDPOINT is not set: run the tests through `npm test` (globalSetup starts DynamoDB Local).',
    )
  }
  return dynamodbAdapter({
    clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
    logFallbackQueries: false,
    // `TEST_READ_CACHE=off npm test`: every test that does not choose answers through its
    // indexes and partitions, as before small collections were held in memory.
    ...(process.env.TEST_READ_CACHE === 'off' ? { readCache: false } : {}),
    tableName,
    ...options,
  })
}

/** Boots a real Payload (its own cache key, so several can live in one process). */
export async function boot(
  makeConfig: (db: DatabaseAdapterObj) => Config,
  adapter: 'dynamodb' | 'sqlite',
  options: Partial<DynamoDBAdapterArgs> = {},
  /** db-sqlite's transactions are off unless asked for (Payload's default for it). */
  sqlite: { transactions?: boolean } = {},
): Promise<Booted> {
  const file = join(tmpdir(), `payload-${randomUUID()}.db`)
  const db =
    adapter === 'sqlite'
      ? sqliteAdapter({
          client: { url: `file:${file}` },
          push: true,
          ...(sqlite.transactions ? { transactionOptions: {} } : {}),
        })
      : testDynamoAdapter(undefined, options)
  const given = makeConfig(db)
  // Never generate types: Payload would spawn `payload generate:types`, which outlives the test.
  const config = await buildConfig({
    ...given,
    typescript: { ...given.typescript, autoGenerate: false },
  })
  const payload = await getPayload({ config, key: `${adapter}-${randomUUID()}` })
  return {
    close: async () => {
      await payload.destroy()
      if (adapter === 'sqlite') {
        rmSync(file, { force: true })
      }
    },
    payload,
  }
}

/**
 * Boots a Payload on this adapter over an existing `tableName`: several of them are, as far as
 * the adapter knows, several processes sharing one table (each with its own memory).
 */
export async function bootOnTable(
  makeConfig: (db: DatabaseAdapterObj) => Config,
  tableName: string,
  options: Partial<DynamoDBAdapterArgs> = {},
): Promise<Payload> {
  const given = makeConfig(testDynamoAdapter(tableName, options))
  const config = await buildConfig({
    ...given,
    typescript: { ...given.typescript, autoGenerate: false },
  })
  return getPayload({ config, key: `table-${randomUUID()}` })
}

/** Boots one config on this adapter and on db-sqlite, to compare what Payload returns. */
export function bootBoth(
  makeConfig: (db: DatabaseAdapterObj) => Config,
  options: Partial<DynamoDBAdapterArgs> = {},
  sqlite: { transactions?: boolean } = {},
): Promise<[Booted, Booted]> {
  return Promise.all([
    boot(makeConfig, 'dynamodb', options),
    boot(makeConfig, 'sqlite', {}, sqlite),
  ])
}

/**
 * For tests of plans, index reads and request counts: small collections are otherwise answered
 * from memory (the `readCache` option), which would bypass what they look at.
 */
export const THROUGH_INDEXES: Partial<DynamoDBAdapterArgs> = { readCache: false }

/** Closes what was booted (a boot that failed left undefined). */
export async function closeAll(...booted: (Booted | undefined)[]): Promise<void> {
  await Promise.all(booted.map(async (each) => each?.close()))
}
