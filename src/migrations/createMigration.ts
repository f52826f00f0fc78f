import type { CreateMigration, MigrationTemplateArgs } from 'payload'

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { getPredefinedMigration, writeMigrationIndex } from 'payload'

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
  if (!skipEmpty) {
    fs.writeFileSync(filePath, migrationTemplate(predefined))
  }
  writeMigrationIndex({ migrationsDir: dir })
  payload.logger.info({ msg: `Migration created at ${filePath}` })
}
