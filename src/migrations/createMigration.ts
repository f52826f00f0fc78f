import type { CreateMigration, MigrationTemplateArgs } from 'payload'

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { getPredefinedMigration, writeMigrationIndex } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { declaredIndexes, lastSnapshot, snapshotChanges, writeSnapshot } from './indexSnapshot.js'

/** A migration file: `up`/`down` receive Payload and the request (use the Local API inside). */
function migrationTemplate({ downSQL, imports, upSQL }: MigrationTemplateArgs): string {
  return `import type { MigrateDownArgs, MigrateUpArgs } from 'payload-db-dynamodb'
${imports ?? ''}
export async function up({ payload, req }: MigrateUpArgs): Promise<void> {
${upSQL ?? '  // Migration code'}
}

export async function down({ payload, req }: MigrateDownArgs): Promise<void> {
${downSQL ?? '  // Migration code'}
}
`
}

/**
 * What the config's indexes need of the table, for a project whose migrations recorded no index
 * snapshot yet. Payload runs migrate:create without connecting; on a table that does not exist
 * yet there is nothing to build (an empty table has every index).
 */
async function indexWorkOf(
  adapter: DynamoDBAdapter,
): Promise<{ pending: string[]; stale: string[] } | undefined> {
  try {
    return await adapter.syncIndexes({ dryRun: true })
  } catch (error) {
    if ((error as { data?: { kind?: string } }).data?.kind === 'tableMissing') {
      return undefined
    }
    throw error
  }
}

function indexMigrationUp({ pending, stale }: { pending: string[]; stale: string[] }): string {
  const lines = [
    ...pending.map((name) => `  //   build ${name}`),
    ...stale.map((name) => `  //   drop  ${name}`),
  ]
  return [
    '  // Bring the indexes in line with the config (written by migrate:create):',
    ...lines,
    '  // Builds page by page over the stored documents; safe while the app serves traffic and',
    '  // safe to run again. A unique index over duplicate values fails here, naming them.',
    '  await payload.db.syncIndexes()',
  ].join('\n')
}

/** `payload migrate:create [name] [--file predefined]`: writes a migration file and the index. */
export const createMigration: CreateMigration = async function createMigration({
  file,
  migrationName,
  payload,
  skipEmpty,
}) {
  const dir = payload.db.migrationDir
  fs.mkdirSync(dir, { recursive: true })
  const predefined = await getPredefinedMigration({
    dirname: path.dirname(fileURLToPath(import.meta.url)),
    file,
    migrationName,
    payload,
  })
  const [date, time] = new Date().toISOString().split('T')
  const timestamp = `${date.replace(/\D/g, '')}_${time.split('.')[0].replace(/\D/g, '')}`
  const fileName = `${timestamp}_${(migrationName ?? 'migration').replace(/\W/g, '_')}.ts`
  const filePath = path.join(dir, fileName)
  if (typeof predefined.dynamic === 'function') {
    // A predefined migration that writes itself for this project (as Payload's SQL adapters do).
    const written = await predefined.dynamic({ filePath, payload })
    predefined.upSQL = written?.upSQL || predefined.upSQL
    predefined.downSQL = written?.downSQL || predefined.downSQL
    predefined.imports = written?.imports || predefined.imports
  }
  // A predefined migration (`--file`) is its own work: written whatever `--skip-empty` says, and
  // without a snapshot, so index changes since the last one go into the next migration.
  const custom = Boolean(predefined.upSQL)
  // The DynamoDB work the config asks for: indexes to build and to drop, since the last
  // migration written (its snapshot), else what the table lacks.
  const adapter = payload.db as unknown as DynamoDBAdapter
  const declared = declaredIndexes(adapter)
  const snapshot = lastSnapshot(dir)
  const indexes = predefined.upSQL
    ? undefined
    : snapshot
      ? snapshotChanges(snapshot, declared)
      : await indexWorkOf(adapter)
  const indexWork = indexes && indexes.pending.length + indexes.stale.length > 0
  if (indexWork) {
    predefined.upSQL = indexMigrationUp(indexes)
    predefined.downSQL =
      '  // Index changes follow the config: after reverting the config, `syncIndexes()` drops what\n' +
      '  // it no longer declares and builds what it declares again.\n' +
      '  await payload.db.syncIndexes()'
  }
  if (skipEmpty && !indexWork && !custom) {
    // The index of migrations still follows the files (one removed by hand leaves it).
    writeMigrationIndex({ migrationsDir: dir })
    payload.logger.info({ msg: 'No index changes since the last migration: nothing written.' })
    return
  }
  fs.writeFileSync(filePath, migrationTemplate(predefined))
  if (!custom) {
    writeSnapshot(filePath, declared)
  }
  writeMigrationIndex({ migrationsDir: dir })
  payload.logger.info({ msg: `Migration created at ${filePath}` })
}
