import fs from 'node:fs'
import path from 'node:path'

import type { DynamoDBAdapter } from '../types.js'

import { indexSignature } from '../indexes/indexSignature.js'
import { indexesOf } from '../indexes/registry.js'
import { indexedNamespaces } from '../indexes/syncIndexes.js'

/** Beside each migration `migrate:create` writes: the config's indexes when it was written. */
const SUFFIX = '.indexes.json'

/** Every index the config declares, as `[collection or kind:slug]/name` → its signature. */
export function declaredIndexes(adapter: DynamoDBAdapter): Record<string, string> {
  const declared: Record<string, string> = {}
  for (const namespace of indexedNamespaces(adapter)) {
    const prefix = namespace.kind === 'collection' ? '' : `${namespace.kind}:`
    for (const definition of indexesOf(adapter, namespace)) {
      declared[`${prefix}${namespace.slug}/${definition.name}`] = indexSignature(definition)
    }
  }
  return declared
}

/**
 * The indexes the newest migration in `dir` was written for, if one recorded them: what the
 * next migration changes is read from the config against it (as Drizzle diffs against its last
 * snapshot), not from a table that a development server may have synced already.
 */
export function lastSnapshot(dir: string): Record<string, string> | undefined {
  // The newest by the timestamp that starts its name, as Payload orders migrations; two created
  // in one second by the time they were written.
  const stamp = (name: string) => name.split('_').slice(0, 2).join('_')
  const newest = fs
    .readdirSync(dir)
    // Only a migration still there counts (one deleted takes its snapshot with it).
    .filter(
      (name) =>
        name.endsWith(SUFFIX) &&
        ['.ts', '.js'].some((extension) =>
          fs.existsSync(path.join(dir, name.replace(SUFFIX, extension))),
        ),
    )
    .map((name) => ({ name, written: fs.statSync(path.join(dir, name)).mtimeMs }))
    .sort(
      (a, b) =>
        stamp(a.name).localeCompare(stamp(b.name)) ||
        a.written - b.written ||
        a.name.localeCompare(b.name),
    )
    .at(-1)?.name
  return newest
    ? (JSON.parse(fs.readFileSync(path.join(dir, newest), 'utf8')) as Record<string, string>)
    : undefined
}

export function writeSnapshot(migrationFile: string, declared: Record<string, string>): void {
  const file = migrationFile.replace(/\.[jt]s$/, SUFFIX)
  fs.writeFileSync(file, `${JSON.stringify(declared, Object.keys(declared).sort(), 2)}\n`)
}

/** What changed from `before` to `now`: indexes to build (new or reshaped) and to drop. */
export function snapshotChanges(
  before: Record<string, string>,
  now: Record<string, string>,
): { pending: string[]; stale: string[] } {
  return {
    pending: Object.keys(now).filter((name) => before[name] !== now[name]),
    stale: Object.keys(before).filter((name) => now[name] !== before[name]),
  }
}
