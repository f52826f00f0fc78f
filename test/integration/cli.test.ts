/**
 * The migration workflow end to end through the real `payload` binary, as a user runs it: a
 * scratch project (see test/support/scratchProject.ts) whose payload.config.ts imports the
 * adapter, pointed at this run's DynamoDB Local on a fresh table. Each step asserts the exit code
 * and the effect: the files written, `migrate:status`, and what a script run with `payload run`
 * sees through the Local API (plan kind, exact query results, index entries, payload-migrations).
 *
 * An index added to the config over stored documents: `migrate:create` writes
 * `payload.db.syncIndexes()`, `payload migrate` in production builds it, the planner uses it.
 * Removed from the config: the next migration drops its entries. A unique index over duplicates
 * fails the migration (exit code 1, values named, nothing recorded). Then migrate:down, refresh,
 * reset, the prodMigrations recipe (onInit) and migrate:fresh. About 90 s (~30 spawned commands
 * of 2-4 s each; CLI_TIMINGS=1 prints them).
 */
import { jest } from '@jest/globals'
import { randomUUID } from 'node:crypto'

import type { CliResult } from '../support/scratchProject.js'

import { useIndexStateMaxAge } from '../support/indexStateAge.js'
import { ScratchProject, statusRows } from '../support/scratchProject.js'

jest.setTimeout(240_000)

/** What `check.ts` prints (one line, `RESULT {...}`). */
type Check = {
  entries: number
  equal3: number[]
  greaterThan0: number
  migrations: [string, number | null][]
  plan: string
  posts: number
  sync: { pending: string[]; stale: string[] }
}

const SEED = `import { getPayload } from 'payload'
import config from './payload.config.ts'

const payload = await getPayload({ config })
for (let i = 0; i < 30; i++) {
  await payload.create({ collection: 'posts', data: { score: i % 6, title: 'post ' + i } })
}
console.log('SEEDED ' + (await payload.count({ collection: 'posts' })).totalDocs)
await payload.destroy()
process.exit(0)
`

const CHECK = `import type { DynamoDBAdapter } from 'payload-db-dynamodb'
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { getPayload } from 'payload'
import config from './payload.config.ts'

const payload = await getPayload({ config })
const db = payload.db as unknown as DynamoDBAdapter
const where = { score: { equals: 3 } }
const equal = await payload.find({ collection: 'posts', limit: 100, where })
const entries = await db.docClient.send(
  new QueryCommand({
    ConsistentRead: true,
    ExpressionAttributeValues: { ':pk': 'C#posts#I#score' },
    KeyConditionExpression: 'pk = :pk',
    Select: 'COUNT',
    TableName: db.tableName,
  }),
)
const migrations = await payload.find({ collection: 'payload-migrations', limit: 100, sort: 'name' })
const result = {
  entries: entries.Count,
  equal3: equal.docs.map((doc) => doc.score),
  greaterThan0: (await payload.count({ collection: 'posts', where: { score: { greater_than: 0 } } })).totalDocs,
  migrations: migrations.docs.map((doc) => [doc.name, doc.batch ?? null]),
  plan: (await db.explain({ collection: 'posts', where })).plan.kind,
  posts: (await payload.count({ collection: 'posts' })).totalDocs,
  sync: await db.syncIndexes({ dryRun: true }),
}
console.log('RESULT ' + JSON.stringify(result))
await payload.destroy()
process.exit(0)
`

let project: ScratchProject
const timings: string[] = []

async function payload(
  args: string[],
  options: { production?: boolean } = {},
  expectedCode = 0,
): Promise<CliResult> {
  const result = await project.payload(args, options)
  timings.push(
    `${options.production ? 'NODE_ENV=production ' : ''}payload ${args.join(' ')}: ${result.ms} ms`,
  )
  if (result.code !== expectedCode) {
    throw new Error(
      `payload ${args.join(' ')} exited with ${result.code ?? result.signal} (expected ${expectedCode}):\n${result.output}`,
    )
  }
  return result
}

async function check(options: { production?: boolean } = {}): Promise<Check> {
  const { output } = await payload(['run', 'check.ts'], options)
  const line = output.split('\n').find((each) => each.startsWith('RESULT '))
  if (!line) {
    throw new Error(`check.ts printed no result:\n${output}`)
  }
  return JSON.parse(line.slice('RESULT '.length)) as Check
}

async function status(): Promise<{ batch: string; name: string; ran: string }[]> {
  return statusRows((await payload(['migrate:status'], { production: true })).output)
}

/** Migration names without their timestamp prefix. */
const names = () => project.migrations().map((file) => file.replace(/^\d{8}_\d{6}_|\.ts$/g, ''))
const stem = (file: string) => file.replace(/\.ts$/, '')

beforeAll(() => {
  const endpoint = process.env.DYNAMODB_ENDPOINT
  if (!endpoint) {
    throw new Error('DYNAMODB_ENDPOINT is not set: run the tests through `npm test`.')
  }
  project = new ScratchProject(endpoint, `cli-${randomUUID()}`)
  project.writeConfig({ scoreIndex: false })
  project.writeFile('seed.ts', SEED)
  project.writeFile('check.ts', CHECK)
})

afterAll(() => {
  project?.remove()
  if (process.env.CLI_TIMINGS) {
    console.log(timings.join('\n'))
  }
})

// Its index drops wait twice this (src/indexes/stateFreshness.ts), 10 s by default.
useIndexStateMaxAge(300)

describe('payload CLI migrations with payload-db-dynamodb', () => {
  // migrate:create runs with disableDBConnect, so on a new project the table does not exist yet:
  // there is no index work then (an empty table has every index), not an error.
  it('migrate:create works before the table exists (first command of a new project)', async () => {
    const fresh = new ScratchProject(project.endpoint, `cli-${randomUUID()}`)
    try {
      fresh.writeConfig({ scoreIndex: true })
      const result = await fresh.payload(['migrate:create', 'initial'])
      expect(result.output).not.toMatch(/was not found|ResourceNotFoundException/)
      expect(result.code).toBe(0)
      expect(fresh.migrations()).toHaveLength(1)
    } finally {
      fresh.remove()
    }
  })

  it('migrate:create writes an empty template when the indexes match; migrate runs it', async () => {
    // The table is created on connect (NODE_ENV is not production).
    const empty = await payload(['migrate:status'])
    expect(empty.output).toMatch(/No migrations found/)

    const created = await payload(['migrate:create', 'first'])
    expect(created.output).toMatch(/Migration created at .*_first\.ts/)
    expect(names()).toEqual(['first'])
    const first = project.readMigration(project.migrations()[0])
    expect(first).toMatch(/from 'payload-db-dynamodb'/)
    expect(first).toMatch(/export async function up\(\{ payload, req \}: MigrateUpArgs\)/)
    expect(first).toMatch(/export async function down\(\{ payload, req \}: MigrateDownArgs\)/)
    expect(first).not.toMatch(/syncIndexes/)
    expect(project.readMigration('index.ts')).toMatch(/_first/)

    const migrated = await payload(['migrate'])
    expect(migrated.output).toMatch(/Migrated: +\d+_\d+_first/)
    expect(await status()).toEqual([
      { batch: '1', name: stem(project.migrations()[0]), ran: 'Yes' },
    ])
  })

  it('an index added over stored documents: migrate:create writes syncIndexes, migrate (production) builds it', async () => {
    const seeded = await payload(['run', 'seed.ts'])
    expect(seeded.output).toMatch(/SEEDED 30/)

    project.writeConfig({ scoreIndex: true })
    await payload(['migrate:create', 'add-index'])
    expect(names()).toEqual(['first', 'add_index'])
    const addIndex = project.readMigration(project.migrations()[1])
    expect(addIndex).toMatch(/\/\/ {3}build posts\/score/)
    expect(addIndex).toMatch(/^ {2}await payload\.db\.syncIndexes\(\)$/m)

    // The generated migration type-checks against the adapter's MigrateUpArgs (payload.db typed).
    const typecheck = await project.typecheck()
    timings.push(`tsc (migrations): ${typecheck.ms} ms`)
    expect(typecheck.output).toBe('')
    expect(typecheck.code).toBe(0)

    // Production before the migration: the index is declared but not built, so not read.
    const before = await check({ production: true })
    expect(before).toMatchObject({
      entries: 0, // the documents were stored before the config declared the index
      plan: 'partition',
      sync: { pending: ['posts/score'], stale: [] },
    })
    expect(before.equal3).toEqual([3, 3, 3, 3, 3])
    expect(before.greaterThan0).toBe(25)

    const migrated = await payload(['migrate'], { production: true })
    expect(migrated.output).toMatch(/building index score of collection "posts": 30 documents/)
    expect(migrated.output).toMatch(/Migrated: +\d+_\d+_add_index/)

    const after = await check({ production: true })
    expect(after).toMatchObject({
      entries: 30,
      plan: 'index',
      posts: 30,
      sync: { pending: [], stale: [] },
    })
    expect(after.equal3).toEqual([3, 3, 3, 3, 3])
    expect(after.greaterThan0).toBe(25)
    expect(after.migrations.map(([, batch]) => batch)).toEqual([1, 2])
  })

  it('an index removed from the config: the next migration drops its entries', async () => {
    project.writeConfig({ scoreIndex: false })
    await payload(['migrate:create', 'drop-index'])
    expect(names()).toEqual(['first', 'add_index', 'drop_index'])
    const dropIndex = project.readMigration(project.migrations()[2])
    expect(dropIndex).toMatch(/\/\/ {3}drop {2}posts\/score/)
    expect(dropIndex).toMatch(/await payload\.db\.syncIndexes\(\)/)

    const before = await check({ production: true })
    expect(before.entries).toBe(30)
    expect(before.sync).toEqual({ pending: [], stale: ['posts/score'] })

    await payload(['migrate'], { production: true })
    const after = await check({ production: true })
    expect(after).toMatchObject({ entries: 0, posts: 30, sync: { pending: [], stale: [] } })
    expect(after.plan).not.toBe('index')
    expect(after.equal3).toEqual([3, 3, 3, 3, 3])
    expect(after.migrations.map(([, batch]) => batch)).toEqual([1, 2, 3])
  })

  it('a unique index over duplicate values: migrate exits non-zero naming them, nothing recorded', async () => {
    project.writeConfig({ scoreIndex: false, scoreUnique: true })
    await payload(['migrate:create', 'unique-score'])
    expect(names()).toEqual(['first', 'add_index', 'drop_index', 'unique_score'])
    expect(project.readMigration(project.migrations()[3])).toMatch(/\/\/ {3}build posts\/score/)

    const failed = await payload(['migrate'], { production: true }, 1)
    expect(failed.output).toMatch(/Cannot build the unique index "score" of collection "posts"/)
    expect(failed.output).toMatch(/score = .*: documents \w+, \w+/)
    const after = await check({ production: true })
    expect(after).toMatchObject({ entries: 0, posts: 30, sync: { pending: ['posts/score'] } })
    expect(after.migrations.map(([name]) => name)).toEqual(
      project.migrations().slice(0, 3).map(stem),
    )

    // Back to the config without it: the migration file goes; migrate:create --skip-empty writes no
    // file (no index work) but rewrites index.ts.
    project.writeConfig({ scoreIndex: false })
    project.removeMigration(project.migrations()[3])
    await payload(['migrate:create', 'nothing', '--skip-empty'])
    expect(names()).toEqual(['first', 'add_index', 'drop_index'])
    expect(project.readMigration('index.ts')).not.toMatch(/unique_score/)
  })

  it('migrate:down, migrate:refresh, migrate:reset', async () => {
    const [first, addIndex, dropIndex] = project.migrations().map(stem)

    const down = await payload(['migrate:down'], { production: true })
    expect(down.output).toMatch(/Rolling back batch 3/)
    expect(await status()).toEqual([
      { batch: '1', name: first, ran: 'Yes' },
      { batch: '2', name: addIndex, ran: 'Yes' },
      { batch: '', name: dropIndex, ran: 'No' },
    ])

    const refresh = await payload(['migrate:refresh'], { production: true })
    expect(refresh.output).toMatch(/Rolling back all 2 migration\(s\)/)
    // Payload's migrateRefresh records the migrations without a batch number.
    expect(await status()).toEqual([
      { batch: '', name: first, ran: 'Yes' },
      { batch: '', name: addIndex, ran: 'Yes' },
      { batch: '', name: dropIndex, ran: 'Yes' },
    ])

    await payload(['migrate:reset'], { production: true })
    expect(await status()).toEqual([
      { batch: '', name: first, ran: 'No' },
      { batch: '', name: addIndex, ran: 'No' },
      { batch: '', name: dropIndex, ran: 'No' },
    ])
  })

  it('migrations run from onInit in production (the prodMigrations recipe)', async () => {
    // Without --force-accept-warning, migrate:fresh only warns (posts are still 30 below).
    const refused = await payload(['migrate:fresh'], { production: true })
    expect(refused.output).toMatch(/--force-accept-warning/)

    project.writeConfig({ migrateOnInit: true, scoreIndex: false })
    const result = await check({ production: true })
    expect(result.migrations).toEqual(project.migrations().map((file) => [stem(file), 1]))
    expect(result.posts).toBe(30)
    expect(result.entries).toBe(0)
    project.writeConfig({ scoreIndex: false })
  })

  it('migrate:fresh --force-accept-warning empties the table and runs every migration', async () => {
    const fresh = await payload(['migrate:fresh', '--force-accept-warning'], { production: true })
    expect(fresh.output).toMatch(/Deleting every item in table/)
    const rows = await status()
    expect(rows.map(({ batch, ran }) => [batch, ran])).toEqual([
      ['1', 'Yes'],
      ['1', 'Yes'],
      ['1', 'Yes'],
    ])
    const after = await check({ production: true })
    expect(after).toMatchObject({ entries: 0, posts: 0, sync: { pending: [], stale: [] } })
    expect(after.migrations).toEqual(project.migrations().map((file) => [stem(file), 1]))
  })
})
