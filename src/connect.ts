import type { Connect, Destroy, Migration } from 'payload'

import type { DynamoDBAdapter } from './types.js'

import { dropAllItems } from './migrations/migrateFresh.js'
import { syncIndexes } from './indexes/syncIndexes.js'
import { ensureTable } from './storage/ensureTable.js'
import { finishOpenCommits, settleOpenCommits } from './transactions/recover.js'
import { journalGraceMs } from './transactions/journalGrace.js'
import { dropSnapshots } from './read/snapshots.js'
import { releaseLeases } from './leases/holdLease.js'

/** Checks (or creates) the table. The SDK client connects lazily and keeps its sockets alive. */
export const connect: Connect = async function connect(this: DynamoDBAdapter, options) {
  await ensureTable({ client: this.client, create: this.createTable, tableName: this.tableName })
  // As the official adapters do, for test runs that start each suite from an empty database
  // (never on a hot reload, which reconnects the running app).
  if (process.env.PAYLOAD_DROP_DATABASE === 'true' && !options?.hotReload) {
    this.payload.logger.info(`PAYLOAD_DROP_DATABASE: emptying table ${this.tableName}`)
    await dropAllItems(this)
  }
  // Writes of more than 100 items that a previous process left part-way are finished now; a
  // journal too young to judge (another process may still be applying it) is looked at again
  // once the grace period is over.
  // Indexes follow the config: the planner reads only complete ones; in development new ones
  // are built (and removed ones dropped) now, in production by a migration.
  await syncIndexes(this, { build: this.buildIndexesOnStart, throwOnError: false })
  // Never fails the start: a journal that cannot be finished is logged and looked at again.
  const { deferred, lookAgainInMs } = await settleOpenCommits(this).catch((error: unknown) => {
    this.payload.logger.error({ err: error, msg: 'payload-db-dynamodb: journal recovery failed' })
    return { deferred: 1, lookAgainInMs: journalGraceMs() }
  })
  if (process.env.NODE_ENV === 'production' && this.prodMigrations) {
    await this.migrate({ migrations: this.prodMigrations as unknown as Migration[] })
  }
  if (deferred > 0) {
    recoveryTimers.set(
      this,
      setTimeout(() => {
        finishOpenCommits(this).catch((error: unknown) =>
          this.payload.logger.error({
            err: error,
            msg: 'payload-db-dynamodb: journal recovery failed',
          }),
        )
      }, lookAgainInMs + 1000).unref(),
    )
  }
}

const recoveryTimers = new WeakMap<object, ReturnType<typeof setTimeout>>()

/** Releases the client's sockets, unless the client was injected (its owner closes it). */
export const destroy: Destroy = async function destroy(this: DynamoDBAdapter) {
  clearTimeout(recoveryTimers.get(this))
  // Other processes may write these collections again without waiting for this one.
  await releaseLeases(this).catch(() => undefined)
  dropSnapshots(this)
  if (this.ownsClient) {
    this.client.destroy()
  }
}
