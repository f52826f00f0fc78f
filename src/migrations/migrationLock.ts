import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'

import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'

import { isConditionFailure } from '../storage/errors.js'
import { send } from '../storage/send.js'

/**
 * The item that lets one process at a time run migrations on a table. Payload takes no lock:
 * instances starting together (a deploy's cold starts with `prodMigrations`, two CI jobs) would
 * each run a pending migration's `up` and each record it. Held for `LEASE_MS` at a time and
 * renewed while the migrations run, so a process that died leaves it for that long at most.
 */
export const MIGRATION_LOCK_KEY: ItemKey = { pk: 'M#migration-lock', sk: 'M#lock' }

/** How long the lock lasts without renewal; it is renewed every third of that. */
const LEASE_MS = 60_000
const RENEW_MS = LEASE_MS / 3
const WAIT_MS = 1_000
const WAIT_LOG_MS = 30_000

/** The adapter whose lock the current async context holds. */
const holding = new AsyncLocalStorage<DynamoDBAdapter>()

export const isMigrationLock = (key: ItemKey): boolean =>
  key.pk === MIGRATION_LOCK_KEY.pk && key.sk === MIGRATION_LOCK_KEY.sk

/** Whether the caller runs inside migrations this process holds the lock for (an `up`). */
export function insideMigrations(adapter: DynamoDBAdapter): boolean {
  return holding.getStore() === adapter
}

/**
 * Runs `run` (Payload's `migrate` and its kin) while this process holds the table's migration
 * lock, waiting for another holder to finish first. A process that waited then finds the
 * migrations the other one ran recorded, and skips them.
 */
export async function withMigrationLock<T>(
  adapter: DynamoDBAdapter,
  run: () => Promise<T>,
): Promise<T> {
  if (holding.getStore() === adapter) {
    // Called from inside migrations this call already holds the lock for (an `up` migrating).
    return run()
  }
  const owner = `${hostname()}:${process.pid}:${randomUUID()}`
  await acquire(adapter, owner)
  const renewal = setInterval(() => {
    renew(adapter, owner).catch((error: unknown) => {
      adapter.payload.logger.error({
        err: error,
        msg: 'payload-db-dynamodb: could not renew the migration lock; another process may start migrating once it lapses.',
      })
    })
  }, RENEW_MS)
  renewal.unref()
  // Which migrations ran is read strongly consistently whatever `consistentRead` says: a read
  // that missed the record the previous holder just wrote would run its migration again.
  const consistentRead = adapter.consistentRead
  adapter.consistentRead = true
  try {
    return await holding.run(adapter, run)
  } finally {
    adapter.consistentRead = consistentRead
    clearInterval(renewal)
    await release(adapter, owner).catch((error: unknown) =>
      adapter.payload.logger.warn({
        err: error,
        msg: `payload-db-dynamodb: could not release the migration lock; it lapses within ${LEASE_MS / 1000} s.`,
      }),
    )
  }
}

async function acquire(adapter: DynamoDBAdapter, owner: string): Promise<void> {
  let waitingSince: number | undefined
  let loggedAt = 0
  for (;;) {
    const now = Date.now()
    try {
      await send(
        adapter,
        new PutCommand({
          // Free, or left by a process that stopped renewing it.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
          Item: { ...MIGRATION_LOCK_KEY, expiresAt: now + LEASE_MS, owner, since: now },
          TableName: adapter.tableName,
        }),
      )
      if (waitingSince !== undefined) {
        adapter.payload.logger.info(
          `payload-db-dynamodb: took the migration lock after waiting ${Math.round((Date.now() - waitingSince) / 1000)} s.`,
        )
      }
      return
    } catch (error) {
      if (!isConditionFailure(error)) {
        throw error
      }
    }
    waitingSince ??= now
    if (now - loggedAt >= WAIT_LOG_MS) {
      loggedAt = now
      adapter.payload.logger.info(
        'payload-db-dynamodb: another process is running migrations on this table; waiting for it to finish.',
      )
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_MS))
  }
}

async function renew(adapter: DynamoDBAdapter, owner: string): Promise<void> {
  await send(
    adapter,
    new UpdateCommand({
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':expires': Date.now() + LEASE_MS, ':owner': owner },
      Key: MIGRATION_LOCK_KEY,
      TableName: adapter.tableName,
      UpdateExpression: 'SET expiresAt = :expires',
    }),
  )
}

async function release(adapter: DynamoDBAdapter, owner: string): Promise<void> {
  try {
    await send(
      adapter,
      new DeleteCommand({
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
        Key: MIGRATION_LOCK_KEY,
        TableName: adapter.tableName,
      }),
    )
  } catch (error) {
    // Lapsed and taken by another process: it is that one's now.
    if (!isConditionFailure(error)) {
      throw error
    }
  }
}
