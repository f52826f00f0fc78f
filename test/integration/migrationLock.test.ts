/**
 * Payload takes no lock around migrations: two processes running `payload migrate` at once (a
 * deploy's cold starts with `prodMigrations`, two CI jobs) each ran a pending migration's `up`
 * and each recorded it. The adapter runs migrations under a lock item of the table, so the
 * second process waits, then finds the migration recorded and skips it.
 */
import type { Config, DatabaseAdapterObj, Migration, Payload } from 'payload'

import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { MIGRATION_LOCK_KEY } from '../../src/migrations/migrationLock.js'
import { bootOnTable } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [{ slug: 'runs', fields: [{ name: 'migration', type: 'text' }] }],
  db,
  secret: 'migration-lock',
  telemetry: false,
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A migration whose `up` is not idempotent: each run stores one more `runs` document. */
function countingMigration(name: string, upMs = 600): Migration {
  return {
    name,
    down: async () => undefined,
    up: async ({ payload, req }) => {
      await sleep(upMs)
      await payload.create({ collection: 'runs', data: { migration: name }, req })
    },
  } as Migration
}

describe('migrations under the table lock', () => {
  let first: Payload
  let second: Payload
  let adapter: DynamoDBAdapter

  const runsOf = async (name: string) =>
    (await first.count({ collection: 'runs', where: { migration: { equals: name } } })).totalDocs
  const recordsOf = async (name: string) =>
    (await first.count({ collection: 'payload-migrations', where: { name: { equals: name } } }))
      .totalDocs
  const lockItem = async () =>
    (
      await adapter.docClient.send(
        new GetCommand({
          ConsistentRead: true,
          Key: MIGRATION_LOCK_KEY,
          TableName: adapter.tableName,
        }),
      )
    ).Item

  beforeAll(async () => {
    const tableName = `migration-lock-${randomUUID()}`
    first = await bootOnTable(config, tableName, { readCache: false })
    second = await bootOnTable(config, tableName, { readCache: false })
    adapter = first.db as unknown as DynamoDBAdapter
  })

  afterAll(async () => {
    await first?.destroy()
    await second?.destroy()
  })

  it('two processes migrating at once run a pending migration once, and record it once', async () => {
    const migration = countingMigration('20261206_100000_once')
    await Promise.all([
      first.db.migrate({ migrations: [migration] }),
      second.db.migrate({ migrations: [migration] }),
    ])
    expect(await runsOf(migration.name)).toBe(1)
    expect(await recordsOf(migration.name)).toBe(1)
    expect(await lockItem()).toBeUndefined()
  })

  it('a process waits while another holds the lock, then runs what is still pending', async () => {
    const migration = countingMigration('20261206_110000_waited', 0)
    await adapter.docClient.send(
      new PutCommand({
        Item: { ...MIGRATION_LOCK_KEY, expiresAt: Date.now() + 60_000, owner: 'another process' },
        TableName: adapter.tableName,
      }),
    )
    let done = false
    const running = first.db.migrate({ migrations: [migration] }).then(() => {
      done = true
    })
    await sleep(2_500)
    expect(done).toBe(false)
    expect(await runsOf(migration.name)).toBe(0)
    await adapter.docClient.send(
      new DeleteCommand({ Key: MIGRATION_LOCK_KEY, TableName: adapter.tableName }),
    )
    await running
    expect(await runsOf(migration.name)).toBe(1)
    expect(await recordsOf(migration.name)).toBe(1)
  })

  it('a lock left by a process that stopped renewing it is taken over', async () => {
    const migration = countingMigration('20261206_120000_lapsed', 0)
    await adapter.docClient.send(
      new PutCommand({
        Item: { ...MIGRATION_LOCK_KEY, expiresAt: Date.now() - 1, owner: 'a dead process' },
        TableName: adapter.tableName,
      }),
    )
    const started = Date.now()
    await second.db.migrate({ migrations: [migration] })
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(await runsOf(migration.name)).toBe(1)
    expect(await lockItem()).toBeUndefined()
  })

  it('a migration that fails releases the lock for the next run', async () => {
    const failing = {
      name: '20261206_130000_fails',
      down: async () => undefined,
      up: async () => {
        throw new Error('this migration fails on purpose')
      },
    } as unknown as Migration
    await expect(first.db.migrate({ migrations: [failing] })).rejects.toThrow('on purpose')
    expect(await lockItem()).toBeUndefined()
    expect(await recordsOf(failing.name)).toBe(0)
  })

  it("keeps a migration's transaction while its up writes without it for longer than transactions may idle", async () => {
    const previous = process.env.PAYLOAD_DYNAMODB_TRANSACTION_IDLE_MS
    process.env.PAYLOAD_DYNAMODB_TRANSACTION_IDLE_MS = '200'
    try {
      const name = `long-${randomUUID()}`
      const migration = {
        name,
        down: async () => undefined,
        up: async ({ payload, req }) => {
          await payload.create({ collection: 'runs', data: { migration: name }, req })
          await sleep(500)
          // A backfill without `req`: each write begins (and ends) a transaction of its own.
          await payload.create({ collection: 'runs', data: { migration: `${name}-backfill` } })
        },
      } as Migration
      await first.db.migrate({ migrations: [migration] })
      expect(await recordsOf(name)).toBe(1)
      expect(await runsOf(name)).toBe(1)
      expect(await runsOf(`${name}-backfill`)).toBe(1)
    } finally {
      if (previous === undefined) {
        delete process.env.PAYLOAD_DYNAMODB_TRANSACTION_IDLE_MS
      } else {
        process.env.PAYLOAD_DYNAMODB_TRANSACTION_IDLE_MS = previous
      }
    }
  }, 60_000)
})
