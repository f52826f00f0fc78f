import { QueryCommand } from '@aws-sdk/lib-dynamodb'

import type { Namespace } from '../namespaces.js'
import type { Plan } from '../query/plan/types.js'
import type { WriteAction } from '../transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../types.js'

import {
  isOverflowPartition,
  LEGACY_ENTRIES_PER_INDEX,
  maxEntriesPerIndex,
  overflowPartition,
} from '../indexes/entries.js'
import { send } from '../storage/send.js'
import { planReads } from './planReads.js'

/**
 * Indexes that held an overflowing document when last looked at, per adapter (namespace and
 * index name → until when the hint holds). Only a hint: planning leaves them out so as not to
 * read them in vain; what makes answers exact is the look after each read (`overflowedWhileRead`).
 */
const hints = new WeakMap<DynamoDBAdapter, Map<string, number>>()
const HINT_MS = 10_000

const warned = new WeakMap<DynamoDBAdapter, Set<string>>()

async function holdsOverflow(adapter: DynamoDBAdapter, pk: string): Promise<boolean> {
  const out = await send<{ Count?: number }>(
    adapter,
    new QueryCommand({
      ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': pk },
      KeyConditionExpression: 'pk = :pk',
      Limit: 1,
      ReturnConsumedCapacity: 'TOTAL',
      Select: 'COUNT',
      TableName: adapter.tableName,
    }),
  )
  return (out.Count ?? 0) > 0
}

/**
 * After a committed write: forgets the hints of the namespaces where it removed an overflow
 * entry, so that the next query may find their indexes usable again (it looks anyway).
 */
export function forgetOverflowHints(adapter: DynamoDBAdapter, actions: WriteAction[]): void {
  const perAdapter = hints.get(adapter)
  if (!perAdapter || perAdapter.size === 0) {
    return
  }
  for (const action of actions) {
    if (action.type === 'delete' && isOverflowPartition(action.key.pk)) {
      const namespacePk = action.key.pk.slice(0, action.key.pk.indexOf('#X#'))
      for (const key of perAdapter.keys()) {
        if (key.startsWith(`${namespacePk}\u0000`)) {
          perAdapter.delete(key)
        }
      }
    }
  }
}

/** The names of the indexes a query should not plan on for now (no request). */
export function hintedOverflowing(adapter: DynamoDBAdapter, namespace: Namespace): Set<string> {
  const names = new Set<string>()
  const now = Date.now()
  for (const [key, until] of hints.get(adapter) ?? []) {
    const [pk, name] = key.split('\u0000')
    if (until > now && pk === namespace.pk && name !== undefined) {
      names.add(name)
    }
  }
  return names
}

/**
 * After a query read a multi-valued index (entries.ts, `maxEntriesPerIndex`): whether the
 * index held, by the end of the read, a document with more values than it has entries for. Such
 * a document is in none of the ranges read, so the caller runs the query again, which then
 * leaves the index out and reads the collection. Looking after the read (one small keys-only
 * `Query` per index and locale, sent together) also catches a document that went from entries
 * to an overflow entry while the ranges were read. Indexes of single values cost nothing.
 */
export async function overflowedWhileRead(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Plan,
): Promise<boolean> {
  const looked = new Map<string, string>()
  const multiValued = planReads(plan).filter((read) =>
    read.definition.parts.some((part) => part.multiValued),
  )
  for (const read of multiValued) {
    looked.set(overflowPartition(namespace, read.definition, read.locale), read.definition.name)
  }
  if (looked.size === 0) {
    return false
  }
  const found = await Promise.all(
    [...looked].map(async ([pk, name]) => ((await holdsOverflow(adapter, pk)) ? name : undefined)),
  )
  const overflowing = found.filter((name): name is string => name !== undefined)
  const perAdapter = hints.get(adapter) ?? new Map<string, number>()
  hints.set(adapter, perAdapter)
  const seen = warned.get(adapter) ?? new Set<string>()
  warned.set(adapter, seen)
  for (const name of overflowing) {
    const key = `${namespace.pk}\u0000${name}`
    perAdapter.set(key, Date.now() + HINT_MS)
    if (!seen.has(key)) {
      seen.add(key)
      adapter.payload.logger.warn(
        `payload-db-dynamodb: a document of ${namespace.kind} "${namespace.slug}" has an overflow entry in the index "${name}" (more than ${maxEntriesPerIndex()} values, or more than ${LEGACY_ENTRIES_PER_INDEX} stored by a version before 2026-12-05), so queries that index would serve read the whole ${namespace.kind} while such a document exists. repairIndexes replaces the entries of earlier versions.`,
      )
    }
  }
  return overflowing.length > 0
}
