import { DeleteCommand } from '@aws-sdk/lib-dynamodb'
import { migrate, migrateDown, migrateRefresh, migrateReset } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { queryPartition } from '../indexes/verify.js'
import { send } from '../storage/send.js'
import { MIGRATIONS_PK } from './migrateDocuments.js'
import { withMigrationLock } from './migrationLock.js'

/**
 * Forgets the named `migrateDocuments` runs recorded as done. Their progress makes a migration
 * re-run after a crash skip a walk it finished; once migrations are rolled back
 * (`migrate:down`, `migrate:refresh`, `migrate:reset`), an `up` that runs again must walk again.
 * Runs cut off part-way keep their progress: their migration resumes them.
 */
async function forgetFinishedRuns(adapter: DynamoDBAdapter): Promise<void> {
  for await (const items of queryPartition(adapter, MIGRATIONS_PK)) {
    for (const item of items.filter((each) => each.done === true)) {
      await send(
        adapter,
        new DeleteCommand({
          Key: { pk: MIGRATIONS_PK, sk: item.sk },
          ReturnConsumedCapacity: 'TOTAL',
          TableName: adapter.tableName,
        }),
      )
    }
  }
}

/**
 * Payload's `migrate:down`, `migrate:refresh` and `migrate:reset`, forgetting finished runs first,
 * under the table's migration lock (migrationLock.ts).
 */
export const rerunnable = {
  migrateDown(this: DynamoDBAdapter): Promise<void> {
    return withMigrationLock(this, async () => {
      await forgetFinishedRuns(this)
      await migrateDown.call(this)
    })
  },
  migrateRefresh(this: DynamoDBAdapter): Promise<void> {
    return withMigrationLock(this, async () => {
      await forgetFinishedRuns(this)
      await migrateRefresh.call(this)
    })
  },
  migrateReset(this: DynamoDBAdapter): Promise<void> {
    return withMigrationLock(this, async () => {
      await forgetFinishedRuns(this)
      await migrateReset.call(this)
    })
  },
}

/** Payload's `migrate` under the table's migration lock (migrationLock.ts). */
export function migrateLocked(
  this: DynamoDBAdapter,
  args?: Parameters<typeof migrate>[0],
): Promise<void> {
  return withMigrationLock(this, () => migrate.call(this, args))
}
