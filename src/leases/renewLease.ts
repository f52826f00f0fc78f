import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { loadIndexRecord, STATE_SK } from '../indexes/indexRecord.js'
import { withoutRequestRecorders } from '../storage/requestStats.js'
import { send } from '../storage/send.js'
import { LEASE_OWNER_ATTRIBUTE, LEASE_REVOKING_ATTRIBUTE, leaseOf } from './leaseRecord.js'
import { type Holder, type Holding, holders } from './leaseState.js'
import { LEASE_IDLE_MS, leaseDuration, leaseRenewalInterval } from './leaseTiming.js'

/** Confirming held leases in the background, and giving them back (see holdLease.ts). */

export function startRenewals(adapter: DynamoDBAdapter, holder: Holder): void {
  if (holder.timer) {
    return
  }
  let running = false
  holder.timer = setInterval(() => {
    if (running) {
      return
    }
    running = true
    renew(adapter, holder)
      .catch(() => undefined)
      .finally(() => {
        running = false
      })
  }, leaseRenewalInterval())
  holder.timer.unref()
}

/** Confirms every held lease with one read, and gives back the idle ones. */
async function renew(adapter: DynamoDBAdapter, holder: Holder): Promise<void> {
  const now = performance.now()
  const idle = [...holder.holdings.values()].filter((each) => now - each.lastUsed > LEASE_IDLE_MS)
  await Promise.all(idle.map((holding) => releaseLease(adapter, holding.namespace)))
  const holdings = [...holder.holdings.values()]
  if (holdings.length === 0) {
    clearInterval(holder.timer)
    holder.timer = undefined
    return
  }
  // BatchGetItem reads at most 100 keys.
  for (let start = 0; start < holdings.length; start += 100) {
    await confirm(adapter, holder, holdings.slice(start, start + 100))
  }
}

/** One read of the state items of up to 100 held leases: each is extended, or let go. */
async function confirm(adapter: DynamoDBAdapter, holder: Holder, holdings: Holding[]) {
  const sentAt = performance.now()
  type Output = {
    Responses?: Record<string, Record<string, unknown>[]>
    UnprocessedKeys?: Record<string, { Keys?: Record<string, unknown>[] }>
  }
  const out = await withoutRequestRecorders(() =>
    send<Output>(
      adapter,
      new BatchGetCommand({
        RequestItems: {
          [adapter.tableName]: {
            ConsistentRead: true,
            Keys: holdings.map(({ namespace }) => ({ pk: namespace.pk, sk: STATE_SK })),
          },
        },
        ReturnConsumedCapacity: 'TOTAL',
      }),
    ),
  )
  const items = new Map(
    (out.Responses?.[adapter.tableName] ?? []).map((item) => [String(item.pk), item]),
  )
  const unread = new Set(
    (out.UnprocessedKeys?.[adapter.tableName]?.Keys ?? []).map((key) => String(key.pk)),
  )
  for (const holding of holdings) {
    const item = items.get(holding.namespace.pk)
    if (unread.has(holding.namespace.pk)) {
      // Not read this time: the lease runs out unless a later read confirms it.
      continue
    }
    loadIndexRecord(adapter, holding.namespace, item)
    const lease = leaseOf(item)
    if (holder.holdings.get(holding.namespace.pk) !== holding) {
      continue
    }
    if (lease.owner === holder.id && lease.revoking === undefined) {
      holding.validUntil = Math.max(holding.validUntil, sentAt + leaseDuration())
    } else {
      // Taken back (or the table was emptied): answer after reading the counter items again.
      holder.holdings.delete(holding.namespace.pk)
      holder.clean.set(holding.namespace.pk, 0)
    }
  }
}

/**
 * Gives a lease back (unless a writer is taking it already). With `unrecorded`, also when this
 * process holds none in memory: a taking whose answer was lost may have made it the owner.
 */
export async function releaseLease(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  options: { unrecorded?: boolean } = {},
): Promise<void> {
  const holder = holders.get(adapter)
  if (!holder) {
    return
  }
  if (!holder.holdings.delete(namespace.pk) && !options.unrecorded) {
    return
  }
  holder.clean.set(namespace.pk, 0)
  if (holder.givingBack.has(namespace.pk)) {
    // The one under way removes the same owner; no taking starts before it ends.
    return
  }
  holder.givingBack.add(namespace.pk)
  try {
    const out = await withoutRequestRecorders(() =>
      send<{ Attributes?: Record<string, unknown> }>(
        adapter,
        new UpdateCommand({
          ConditionExpression: '#lo = :me AND attribute_not_exists(#lr)',
          ExpressionAttributeNames: {
            '#lo': LEASE_OWNER_ATTRIBUTE,
            '#lr': LEASE_REVOKING_ATTRIBUTE,
          },
          ExpressionAttributeValues: { ':me': holder.id },
          Key: { pk: namespace.pk, sk: STATE_SK },
          ReturnConsumedCapacity: 'TOTAL',
          ReturnValues: 'ALL_NEW',
          TableName: adapter.tableName,
          UpdateExpression: 'REMOVE #lo',
        }),
      ),
    )
    loadIndexRecord(adapter, namespace, out.Attributes)
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') {
      throw error
    }
  } finally {
    holder.givingBack.delete(namespace.pk)
  }
}

/** Gives every lease back (the adapter is closing). */
export async function releaseLeases(adapter: DynamoDBAdapter): Promise<void> {
  const holder = holders.get(adapter)
  if (!holder) {
    return
  }
  // No taking starts meanwhile, and those under way finish first: a lease one of them takes
  // after this would be held (and renewed) by a closed adapter, making writers wait for it.
  holder.suspended++
  try {
    await Promise.allSettled([...holder.acquiring.values()])
    clearInterval(holder.timer)
    holder.timer = undefined
    const held = [...holder.holdings.values()]
    await Promise.all(
      held.map((holding) => releaseLease(adapter, holding.namespace).catch(() => undefined)),
    )
  } finally {
    holder.suspended--
  }
}

/** Forgets every lease without a request (the table was emptied, and the records with it). */
export function forgetLeases(adapter: DynamoDBAdapter): void {
  const holder = holders.get(adapter)
  if (holder) {
    clearInterval(holder.timer)
    holder.timer = undefined
    holder.holdings.clear()
    holder.clean.clear()
  }
}
