import { isDeepStrictEqual } from 'node:util'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { getCollectionConfig } from '../namespaces.js'
import { isPlainObject } from '../utilities/plainObject.js'

/**
 * Whether writes to this namespace computed again over a newer document keep what changed
 * meanwhile (`keepChangesMeanwhile`): users (auth collections) without versions. Payload's login,
 * logout and refresh write the whole user they read (for its sessions) inside their transaction,
 * which commits later; on db-postgres that `UPDATE` holds the row, and a password change, reset,
 * role change or other logout made meanwhile lands after it. Not with versions: there a document
 * must stay one of its versions whole, which a merge of two saves is not.
 */
export function keepsChangesMeanwhile(adapter: DynamoDBAdapter, namespace: Namespace): boolean {
  if (namespace.kind !== 'collection') {
    return false
  }
  const config = getCollectionConfig(adapter, namespace.slug)
  return Boolean(config.auth) && !config.versions
}

const same = (a: unknown, b: unknown) => isDeepStrictEqual(a ?? null, b ?? null)

const rowID = (row: unknown) => (isPlainObject(row) ? row.id : undefined)

/** Rows of a list with ids (sessions, array rows) changed on both sides: both sides' changes. */
function mergedRows(read: unknown[], sent: unknown[], now: unknown[]): unknown[] | undefined {
  if (![read, sent, now].every((rows) => rows.every((row) => rowID(row) !== undefined))) {
    return undefined
  }
  const readByID = new Map(read.map((row) => [rowID(row), row]))
  const sentByID = new Map(sent.map((row) => [rowID(row), row]))
  const rows = now
    // Rows this write removed go; rows it changed are its version.
    .filter((row) => !readByID.has(rowID(row)) || sentByID.has(rowID(row)))
    .map((row) => {
      const mine = sentByID.get(rowID(row))
      return mine !== undefined && !same(mine, readByID.get(rowID(row))) ? mine : row
    })
  const present = new Set(rows.map(rowID))
  // Rows this write added come last, as it added them.
  return [...rows, ...sent.filter((row) => !readByID.has(rowID(row)) && !present.has(rowID(row)))]
}

/** How Payload marks a hash in its current format (a login rehashes any other). */
const CURRENT_HASH_PREFIX = 'pbkdf2-sha256-v1:'

/**
 * Whether the hash changed from `read` to `now` looks like a login's rehash of the same password
 * (an older format brought to the current one, every session kept), not a new password.
 */
function rehashed(read: Doc, now: Doc): boolean {
  if (
    typeof read.hash !== 'string' ||
    typeof now.hash !== 'string' ||
    read.hash.startsWith(CURRENT_HASH_PREFIX) ||
    !now.hash.startsWith(CURRENT_HASH_PREFIX)
  ) {
    return false
  }
  const kept = new Set((Array.isArray(now.sessions) ? now.sessions : []).map(rowID))
  // A login drops the expired sessions it finds.
  const live = (Array.isArray(read.sessions) ? read.sessions : []).filter(
    (row) => !(isPlainObject(row) && Date.parse(String(row.expiresAt)) <= Date.now()),
  )
  return live.every((row) => kept.has(rowID(row)))
}

/**
 * The data a write computed from `read` (the document as it first read it) sends when it is
 * computed again over `now` (as stored): a field it sends unchanged from `read` keeps what was
 * stored meanwhile; a list of rows with ids that both changed gets both changes (rows added,
 * removed, changed), unless the write empties it or changes the password (a reset, a password
 * change or a logout of every session ends the sessions opened meanwhile too), and the sessions
 * stay as stored when the password changed meanwhile; any other field it changed is its own
 * (last writer wins).
 */
export function keepChangesMeanwhile(
  read: Doc,
  now: Doc,
  data: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const newPassword = 'hash' in data && !same(data.hash, read.hash)
  // The password changed meanwhile (a reset, a change): the sessions it ended stay ended, this
  // write's own among them (on db-postgres the reset's UPDATE lands after this one).
  const passwordChangedMeanwhile = !same(now.hash, read.hash) && !rehashed(read, now)
  for (const [key, sent] of Object.entries(data)) {
    const before = read[key]
    const stored = now[key]
    if (same(sent, before) && !same(stored, before)) {
      continue
    }
    if (key === 'sessions' && passwordChangedMeanwhile && !newPassword) {
      continue
    }
    if (
      Array.isArray(sent) &&
      sent.length > 0 &&
      !(newPassword && key === 'sessions') &&
      Array.isArray(before) &&
      Array.isArray(stored) &&
      !same(stored, before) &&
      !same(sent, before)
    ) {
      out[key] = mergedRows(before, sent, stored) ?? sent
      continue
    }
    out[key] = sent
  }
  return out
}
