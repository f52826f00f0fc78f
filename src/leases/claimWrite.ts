import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'
import { APIError } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { reloadIndexState } from '../indexes/buildState.js'
import { loadIndexRecord, recordedLease, STATE_SK } from '../indexes/indexRecord.js'
import { send } from '../storage/send.js'
import { leaseHolderID } from './holdLease.js'
import {
  LEASE_COOLDOWN_ATTRIBUTE,
  LEASE_OWNER_ATTRIBUTE,
  LEASE_REVOCATIONS_ATTRIBUTE,
  LEASE_REVOKING_ATTRIBUTE,
  type RecordedLease,
} from './leaseRecord.js'
import { cooldownAfter, MAX_COOLDOWN_MS, revocationWait } from './leaseTiming.js'

const revoking = new WeakMap<DynamoDBAdapter, Map<string, Promise<void>>>()

/**
 * Before a write of a namespace's documents: when another process holds the namespace's read
 * lease (as this process last read the state item), takes it back and waits until the holder
 * has surely stopped answering from memory (holdLease.ts). A lease taken since this process read
 * the item is found by the write itself: its shard condition fails, the item is read again, and
 * the write comes back here (write/groups.ts).
 */
export async function claimWrite(adapter: DynamoDBAdapter, namespace: Namespace): Promise<void> {
  const me = leaseHolderID(adapter)
  for (let attempt = 0; attempt < 10; attempt++) {
    const lease = recordedLease(adapter, namespace)
    if (lease.owner === undefined && lease.revoking === undefined) {
      return
    }
    if (lease.owner === me) {
      // This process's own lease (even while it is taken back): its writes are its to see.
      return
    }
    const running = revoking.get(adapter)?.get(namespace.pk)
    if (running) {
      await running
      continue
    }
    const perAdapter = revoking.get(adapter) ?? new Map<string, Promise<void>>()
    revoking.set(adapter, perAdapter)
    const revocation = revoke(adapter, namespace, lease).finally(() =>
      perAdapter.delete(namespace.pk),
    )
    perAdapter.set(namespace.pk, revocation)
    await revocation
  }
  throw new APIError(
    `Another process kept taking the read lease of ${namespace.pk} while this write waited for it. Nothing was written; retry the operation.`,
    503,
    undefined,
    true,
  )
}

/** Marks the lease as taken back, waits out the holder, then clears it. */
async function revoke(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  lease: RecordedLease,
): Promise<void> {
  let token = lease.revoking
  if (token === undefined) {
    token = randomUUID()
    const revocations = lease.revocations + 1
    const updated = await conditionalUpdate(adapter, namespace, {
      ConditionExpression: '#lo = :owner AND attribute_not_exists(#lr)',
      ExpressionAttributeNames: {
        '#lc': LEASE_COOLDOWN_ATTRIBUTE,
        '#ln': LEASE_REVOCATIONS_ATTRIBUTE,
        '#lo': LEASE_OWNER_ATTRIBUTE,
        '#lr': LEASE_REVOKING_ATTRIBUTE,
      },
      ExpressionAttributeValues: {
        ':n': revocations,
        ':owner': lease.owner,
        ':token': token,
        ':until': Date.now() + cooldownAfter(revocations),
      },
      UpdateExpression: 'SET #lr = :token, #lc = :until, #ln = :n',
    })
    if (!updated) {
      return
    }
  }
  // The holder's last confirmation was read before the revocation was seen here.
  adapter.payload.logger.debug?.(
    `payload-db-dynamodb: waiting ${revocationWait()} ms for another process's read lease on ${namespace.pk} to end before writing`,
  )
  await new Promise((resolve) => setTimeout(resolve, revocationWait()))
  await conditionalUpdate(adapter, namespace, {
    ConditionExpression: '#lr = :token',
    ExpressionAttributeNames: { '#lo': LEASE_OWNER_ATTRIBUTE, '#lr': LEASE_REVOKING_ATTRIBUTE },
    ExpressionAttributeValues: { ':token': token },
    UpdateExpression: 'REMOVE #lo, #lr',
  })
}

/**
 * One conditional update of the state item, whose new content this process takes in; when the
 * condition fails, the item is read again instead. Says whether it was applied.
 */
async function conditionalUpdate(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  update: {
    ConditionExpression: string
    ExpressionAttributeNames: Record<string, string>
    ExpressionAttributeValues: Record<string, unknown>
    UpdateExpression: string
  },
): Promise<boolean> {
  try {
    const out = await send<{ Attributes?: Record<string, unknown> }>(
      adapter,
      new UpdateCommand({
        ...update,
        Key: { pk: namespace.pk, sk: STATE_SK },
        ReturnConsumedCapacity: 'TOTAL',
        ReturnValues: 'ALL_NEW',
        TableName: adapter.tableName,
      }),
    )
    loadIndexRecord(adapter, namespace, out.Attributes)
    return true
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') {
      throw error
    }
    await reloadIndexState(adapter, namespace)
    return false
  }
}

/**
 * Before the whole table is emptied (`migrate:fresh`, `clearDatabase`): every read lease another
 * process holds is taken back, and their holders waited out, so none answers from memory what is
 * no longer stored. Every namespace's lease is closed as well until the state items are reset
 * (migrations/stateAfterClear.ts; an hour at most, should the clear stop half-way): a lease taken
 * over a partition half emptied would answer the documents deleted after it. Returns each
 * namespace's revocation token, by pk.
 */
export async function takeBackEveryLease(adapter: DynamoDBAdapter): Promise<Map<string, string>> {
  const me = leaseHolderID(adapter)
  const closed = new Map<string, string>()
  let held = false
  let startKey: Record<string, unknown> | undefined
  do {
    const out = await send<{
      Items?: Record<string, unknown>[]
      LastEvaluatedKey?: Record<string, unknown>
    }>(
      adapter,
      new ScanCommand({
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ExpressionAttributeNames: { '#sk': 'sk' },
        ExpressionAttributeValues: { ':state': STATE_SK },
        FilterExpression: '#sk = :state',
        ProjectionExpression: 'pk, sk',
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
      }),
    )
    for (const item of out.Items ?? []) {
      // A revocation (kept if one is under way) and the cooldown: either refuses a taking.
      const { Attributes: now } = await send<{ Attributes?: Record<string, unknown> }>(
        adapter,
        new UpdateCommand({
          ExpressionAttributeNames: {
            '#lc': LEASE_COOLDOWN_ATTRIBUTE,
            '#lr': LEASE_REVOKING_ATTRIBUTE,
          },
          ExpressionAttributeValues: {
            ':token': randomUUID(),
            ':until': Date.now() + MAX_COOLDOWN_MS,
          },
          Key: { pk: item.pk, sk: item.sk },
          ReturnConsumedCapacity: 'TOTAL',
          ReturnValues: 'ALL_NEW',
          TableName: adapter.tableName,
          UpdateExpression: 'SET #lc = :until, #lr = if_not_exists(#lr, :token)',
        }),
      )
      closed.set(String(item.pk), String(now?.[LEASE_REVOKING_ATTRIBUTE]))
      const owner = now?.[LEASE_OWNER_ATTRIBUTE]
      held ||= owner !== undefined && owner !== me
    }
    startKey = out.LastEvaluatedKey
  } while (startKey)
  if (held) {
    await new Promise((resolve) => setTimeout(resolve, revocationWait()))
  }
  return closed
}
