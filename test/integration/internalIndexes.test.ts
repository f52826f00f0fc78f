/**
 * Payload's own collections (migrations, preferences, locked documents, jobs, key-value store) and
 * the fields Payload adds to auth collections are queried through indexes: what a user does
 * (log in, save preferences, edit a locked document, queue and run jobs, run migrations, use the
 * key-value store, reset a password, authenticate with an API key) never makes the adapter log
 * that a query read a whole collection it did not write.
 */
import type { Payload, PayloadRequest, Where } from 'payload'

import { jest } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildConfig, getMigrations, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamodbLocal.mjs'

const INTERNAL = [
  'payload-jobs',
  'payload-kv',
  'payload-locked-documents',
  'payload-migrations',
  'payload-preferences',
]

let payload: Payload
const logged: string[] = []

function record(...args: unknown[]) {
  for (const arg of args) {
    if (typeof arg === 'string') {
      logged.push(arg)
    } else if (arg && typeof arg === 'object' && 'msg' in arg) {
      logged.push(String((arg as { msg: unknown }).msg))
    }
  }
}

const planLog = join(tmpdir(), `internal-plans-${randomUUID()}.tsv`)

beforeAll(async () => {
  process.env.DYNAMODB_PLAN_LOG = planLog
  const endpoint = process.env.DYNAMODB_ENDPOINT as string
  const config = await buildConfig({
    collections: [
      {
        slug: 'users',
        auth: { useAPIKey: true, verify: true },
        fields: [{ name: 'name', type: 'text' }],
      },
      { slug: 'posts', fields: [{ name: 'title', type: 'text' }] },
    ],
    db: dynamodbAdapter({
      clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
      logFallbackQueries: true,
      // This test looks at index plans and requests, not at answers from memory.
      readCache: false,
      tableName: `internal-${randomUUID()}`,
    }),
    globals: [{ slug: 'settings', fields: [{ name: 'motto', type: 'text' }] }],
    jobs: {
      tasks: [
        {
          slug: 'noop',
          handler: async () => ({ output: {} }),
          inputSchema: [{ name: 'n', type: 'number' }],
        },
      ],
    },
    secret: 'internal-indexes-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  payload = await getPayload({ config, key: `internal-${randomUUID()}` })
  for (const level of ['info', 'warn', 'debug'] as const) {
    jest.spyOn(payload.logger, level).mockImplementation(record as never)
  }
})

afterAll(async () => {
  jest.restoreAllMocks()
  await payload?.destroy()
  delete process.env.DYNAMODB_PLAN_LOG
  rmSync(planLog, { force: true })
})

const fallbackLines = () => logged.filter((line) => line.includes('read every document'))

test('the queries Payload makes on its own collections are served by indexes', async () => {
  // Auth: create, verify, log in, forgot/reset password, API key.
  const apiKey = randomUUID()
  const user = await payload.create({
    collection: 'users',
    data: { apiKey, email: 'a@example.com', enableAPIKey: true, password: 'secret-1' },
    disableVerificationEmail: true,
  })
  const stored = await payload.db.findOne<{ _verificationToken?: string; id: string }>({
    collection: 'users',
    where: { id: { equals: user.id } },
  })
  await payload.verifyEmail({ collection: 'users', token: String(stored?._verificationToken) })
  const { user: loggedIn } = await payload.login({
    collection: 'users',
    data: { email: 'a@example.com', password: 'secret-1' },
  })
  expect(loggedIn?.id).toBe(user.id)
  const token = await payload.forgotPassword({
    collection: 'users',
    data: { email: 'a@example.com' },
    disableEmail: true,
  })
  await payload.resetPassword({
    collection: 'users',
    data: { password: 'secret-2', token },
    overrideAccess: true,
  })
  const withKey = await payload.auth({
    headers: new Headers({ Authorization: `users API-Key ${apiKey}` }),
  })
  expect(withKey.user?.id).toBe(user.id)

  const req = { payload, user: { ...user, collection: 'users' } } as unknown as PayloadRequest

  // Preferences, as Payload's REST handlers read, write and delete them.
  const preferenceWhere: Where = {
    and: [
      { key: { equals: 'nav' } },
      { 'user.value': { equals: user.id } },
      { 'user.relationTo': { equals: 'users' } },
    ],
  }
  await payload.db.upsert({
    collection: 'payload-preferences',
    data: { key: 'nav', user: { relationTo: 'users', value: user.id }, value: { open: true } },
    req,
    where: preferenceWhere,
  })
  const { docs: preferences } = await payload.db.find({
    collection: 'payload-preferences',
    limit: 1,
    pagination: false,
    req,
    sort: '-updatedAt',
    where: preferenceWhere,
  })
  expect(preferences).toHaveLength(1)

  // Locked documents: a lock held by the user, checked by an update that respects locks.
  const post = await payload.create({ collection: 'posts', data: { title: 'locked' } })
  await payload.create({
    collection: 'payload-locked-documents',
    data: {
      document: { relationTo: 'posts', value: post.id },
      user: { relationTo: 'users', value: user.id },
    },
  })
  await payload.update({
    id: post.id,
    collection: 'posts',
    data: { title: 'edited' },
    overrideAccess: false,
    overrideLock: false,
    user: { ...user, collection: 'users' },
  })
  await payload.find({ collection: 'posts', includeLockStatus: true, user })
  await payload.findByID({ id: post.id, collection: 'posts', includeLockStatus: true, user })
  await payload.create({
    collection: 'payload-locked-documents',
    data: { globalSlug: 'settings', user: { relationTo: 'users', value: user.id } },
  })
  await payload.updateGlobal({
    slug: 'settings',
    data: { motto: 'hi' },
    overrideAccess: false,
    overrideLock: false,
    user: { ...user, collection: 'users' },
  })
  await payload.findGlobal({ slug: 'settings', includeLockStatus: true, user })

  // Jobs: queue, run, cancel.
  for (let n = 0; n < 3; n++) {
    await payload.jobs.queue({ input: { n }, task: 'noop' })
  }
  await payload.jobs.run()
  const queued = await payload.jobs.queue({ input: { n: 9 }, task: 'noop' })
  await payload.jobs.runByID({ id: queued.id })
  await payload.jobs.queue({ input: { n: 10 }, task: 'noop' })
  await payload.jobs.cancel({ queue: 'default', where: { taskSlug: { equals: 'noop' } } })
  const { totalDocs: jobs } = await payload.count({ collection: 'payload-jobs' })
  expect(jobs).toBeGreaterThan(0)

  // Migrations: migrate, status, down-style deletes.
  await payload.db.migrate({
    migrations: [
      { name: '20250101_000000_first', down: async () => {}, up: async () => {} },
      { name: '20250102_000000_second', down: async () => {}, up: async () => {} },
    ],
  })
  const { existingMigrations, latestBatch } = await getMigrations({ payload })
  expect(existingMigrations).toHaveLength(2)
  expect(latestBatch).toBe(1)
  await payload.delete({
    collection: 'payload-migrations',
    where: { name: { equals: '20250102_000000_second' } },
  })
  await payload.delete({ collection: 'payload-migrations', where: { batch: { equals: -1 } } })

  // Key-value store.
  await payload.kv.set('greeting', { text: 'hello' })
  expect(await payload.kv.get('greeting')).toEqual({ text: 'hello' })
  expect(await payload.kv.has('greeting')).toBe(true)
  expect(await payload.kv.keys()).toEqual(['greeting'])
  await payload.kv.delete('greeting')

  // Deleting the user deletes their preferences (and Payload checks its locks).
  await payload.delete({ id: user.id, collection: 'users' })
  const { totalDocs: left } = await payload.db.count({ collection: 'payload-preferences' })
  expect(left).toBe(0)

  // What was read whole (or walked in createdAt order, filtering) on Payload's collections and
  // auth fields: only the migration status, which wants every migration but the dev one.
  const scans = readFileSync(planLog, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t')[3])
    .filter(
      (description) =>
        /^(users|payload-[a-z-]+): /.test(description) &&
        ((description.includes('read the collection partition') &&
          !description.includes('every document is wanted')) ||
          / in (a|de)scending order$/.test(description)),
    )
  expect(scans).toEqual([
    'payload-migrations: read the collection partition (no indexed condition)',
    'payload-migrations: read the collection partition (no indexed condition)',
  ])
  expect(readFileSync(planLog, 'utf8')).toContain('users: index apiKeyIndex')
  expect(readFileSync(planLog, 'utf8')).toContain('users: index resetPasswordToken')
  expect(readFileSync(planLog, 'utf8')).toContain('users: index _verificationToken')

  const lines = fallbackLines()
  expect(lines.filter((line) => INTERNAL.some((slug) => line.includes(`"${slug}"`)))).toEqual([])
  // Nor on the fields Payload adds to auth collections.
  expect(lines).toEqual([])
})

test('the internal indexes are built and verify clean', async () => {
  const adapter = payload.db as unknown as DynamoDBAdapter
  for (const collection of [...INTERNAL, 'users']) {
    const report = await adapter.verifyIndexes({ collection })
    expect({ collection, clean: report.clean }).toEqual({ collection, clean: true })
  }
  const sync = await adapter.syncIndexes({ dryRun: true })
  expect(sync).toEqual({ pending: [], stale: [] })
})
