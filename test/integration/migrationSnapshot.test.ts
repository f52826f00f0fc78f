/**
 * `migrate:create` writes what the indexes changed since the last migration it wrote (a
 * snapshot of the config's indexes beside each migration), not what the table lacks: a
 * development server builds a new index in its table at once, and a migration read from that
 * table would be empty, so production would never build the index (nor, for a unique one,
 * refuse duplicates).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'

const config =
  (indexed: boolean) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'score', type: 'number', index: indexed },
        ],
      },
    ],
    db,
    secret: 'migration-snapshot',
    telemetry: false,
  })

describe('migrate:create after a development server synced the table', () => {
  const started: Payload[] = []
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'))

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
    fs.rmSync(dir, { force: true, recursive: true })
  })

  const files = () => fs.readdirSync(dir).filter((name) => /^\d.*\.ts$/.test(name))

  it('writes the index added since the last migration, and nothing when none changed', async () => {
    const tableName = `migration-snapshot-${randomUUID()}`
    const options = { buildIndexes: true, migrationDir: dir } as const
    const before = await bootOnTable(config(false), tableName, options)
    started.push(before)
    await before.create({ collection: 'posts', data: { score: 1, title: 'a' } })
    await before.db.createMigration({ migrationName: 'first', payload: before })
    expect(files()).toHaveLength(1)

    // The config gains an index; the development server builds it in its table on start.
    const after = await bootOnTable(config(true), tableName, options)
    started.push(after)
    expect(
      (await (after.db as unknown as DynamoDBAdapter).syncIndexes({ dryRun: true })).pending,
    ).toEqual([])
    await after.db.createMigration({ migrationName: 'add-score', payload: after, skipEmpty: true })
    const added = files().find((name) => name.includes('add_score')) as string
    expect(added).toBeDefined()
    const written = fs.readFileSync(path.join(dir, added), 'utf8')
    expect(written).toContain('build posts/score')
    expect(written).toContain('await payload.db.syncIndexes()')

    // Nothing changed since: --skip-empty writes no file.
    await after.db.createMigration({ migrationName: 'nothing', payload: after, skipEmpty: true })
    expect(files()).toHaveLength(2)
  })

  it('writes a predefined migration (--file) whatever --skip-empty says, leaving index changes to the next one', async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'))
    const predefined = path.join(own, 'predefined.mjs')
    fs.writeFileSync(
      predefined,
      "export const upSQL = '  // predefined up'\nexport const downSQL = '  // predefined down'\n",
    )
    const dir = path.join(own, 'migrations')
    const tableName = `migration-predefined-${randomUUID()}`
    const options = { buildIndexes: true, migrationDir: dir } as const
    const before = await bootOnTable(config(false), tableName, options)
    started.push(before)
    await before.db.createMigration({ migrationName: 'first', payload: before })
    const after = await bootOnTable(config(true), tableName, options)
    started.push(after)
    const written = () => fs.readdirSync(dir).filter((name) => /^\d.*\.ts$/.test(name))

    await after.db.createMigration({
      file: predefined,
      migrationName: 'predefined',
      payload: after,
      skipEmpty: true,
    })
    const file = written().find((name) => name.includes('predefined')) as string
    expect(file).toBeDefined()
    expect(fs.readFileSync(path.join(dir, file), 'utf8')).toContain('// predefined up')

    // The index added since the first migration is still the next migration's work.
    await after.db.createMigration({ migrationName: 'add-score', payload: after, skipEmpty: true })
    const added = written().find((name) => name.includes('add_score')) as string
    expect(added).toBeDefined()
    expect(fs.readFileSync(path.join(dir, added), 'utf8')).toContain('build posts/score')
    fs.rmSync(own, { force: true, recursive: true })
  })

  it('migrate:fresh records the emptied namespaces as built before the migrations write', async () => {
    const tableName = `migrate-fresh-${randomUUID()}`
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'))
    const production = await bootOnTable(config(true), tableName, {
      buildIndexes: false,
      migrationDir: empty,
      readCache: false,
    })
    started.push(production)
    const adapter = production.db as unknown as DynamoDBAdapter
    await production.create({ collection: 'posts', data: { score: 1, title: 'a' } })
    await adapter.migrateFresh({ forceAcceptWarning: true })
    await production.create({ collection: 'posts', data: { score: 1, title: 'b' } })
    expect((await adapter.syncIndexes({ dryRun: true })).pending).toEqual([])
    const where = { score: { equals: 1 } }
    expect((await adapter.explain({ collection: 'posts', where })).plan.kind).toBe('index')
    expect((await production.count({ collection: 'posts', where })).totalDocs).toBe(1)
    fs.rmSync(empty, { force: true, recursive: true })
  })

  it('migrate:fresh gives each migration a whole local request, as payload migrate does', async () => {
    const tableName = `migrate-fresh-req-${randomUUID()}`
    const migrations = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'))
    // What the migration's `req` offers is stored in a post's title, read back below.
    fs.writeFileSync(
      path.join(migrations, '20261206_120000_note_request.js'),
      `module.exports = {
  down: async () => undefined,
  up: async ({ payload, req }) => {
    const seen = [typeof req.t, req.payloadAPI, req.user === null, typeof req.context].join(' ')
    await payload.create({ collection: 'posts', data: { title: seen }, req })
  },
}
`,
    )
    const production = await bootOnTable(config(false), tableName, {
      buildIndexes: false,
      migrationDir: migrations,
      readCache: false,
    })
    started.push(production)
    await production.db.migrateFresh({ forceAcceptWarning: true })
    const { docs } = await production.find({ collection: 'posts' })
    expect(docs.map((doc) => doc.title)).toEqual(['function local true object'])
    const recorded = await production.find({ collection: 'payload-migrations' })
    expect(recorded.docs.map((doc) => [doc.name, doc.batch])).toEqual([
      ['20261206_120000_note_request', 1],
    ])
    fs.rmSync(migrations, { force: true, recursive: true })
  })
})
