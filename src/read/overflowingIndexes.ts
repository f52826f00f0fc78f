import { QueryCommand } from '@aws-sdk/lib-dynamodb'

import type { IndexDefinition } from '../indexes/definitionTypes.js'
import type { Namespace } from '../namespaces.js'
import type { IndexRead, Plan } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { MAX_ENTRIES_PER_INDEX, overflowPartition } from '../indexes/entries.js'
import { send } from '../storage/send.js'

const warned = new WeakMap<DynamoDBAdapter, Set<string>>()

/** The index reads of a plan whose index can hold overflow entries (a multi-valued field). */
function multiValuedReads(plan: Extract<Plan, { kind: 'index' }>): IndexRead[] {
  return [...plan.reads, plan.sortWalk, plan.countRead].filter(
    (read): read is IndexRead =>
      read !== undefined && read.definition.parts.some((part) => part.multiValued),
  )
}

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
 * The indexes a plan reads that hold a document with more values than they have entries for
 * (entries.ts, `MAX_ENTRIES_PER_INDEX`): such a document is in none of their ranges, so the
 * query must not be answered from them. One small `Query` per such index and locale (keys only,
 * usually empty), sent together; indexes of single values never overflow and cost nothing.
 */
export async function overflowingIndexes(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Plan,
): Promise<Set<string>> {
  if (plan.kind !== 'index') {
    return new Set()
  }
  const looked = new Map<string, IndexDefinition>()
  for (const read of multiValuedReads(plan)) {
    looked.set(overflowPartition(namespace, read.definition, read.locale), read.definition)
  }
  const found = await Promise.all(
    [...looked].map(async ([pk, definition]) =>
      (await holdsOverflow(adapter, pk)) ? definition.name : undefined,
    ),
  )
  const overflowing = new Set(found.filter((name): name is string => name !== undefined))
  const seen = warned.get(adapter) ?? new Set<string>()
  warned.set(adapter, seen)
  for (const name of overflowing) {
    if (!seen.has(`${namespace.pk}/${name}`)) {
      seen.add(`${namespace.pk}/${name}`)
      adapter.payload.logger.warn(
        `payload-db-dynamodb: a document of ${namespace.kind} "${namespace.slug}" has more than ${MAX_ENTRIES_PER_INDEX} values in the index "${name}" (more than its transaction holds entries for), so queries that index would serve read the whole ${namespace.kind} while such a document exists.`,
      )
    }
  }
  return overflowing
}
