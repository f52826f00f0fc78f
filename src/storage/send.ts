import type { ConsumedCapacity, DynamoDBClient } from '@aws-sdk/client-dynamodb'

import type { DynamoDBAdapter } from '../types.js'

import { passesThrough, toAPIError } from './errors.js'
import { activeRecorders } from './requestStats.js'

/**
 * Every DynamoDB request of the adapter goes through here, so request counts and consumed
 * capacity are recorded in one place (see `adapter.stats`), and failures reach Payload in one
 * shape.
 *
 * The client retries throttling, 5xx and dropped connections itself (see createClients.ts); what
 * still fails is rethrown as an `APIError` saying what happened and what to do (see errors.ts),
 * except `ConditionalCheckFailedException` and `TransactionCanceledException`, which are rethrown
 * unchanged for the write path to interpret.
 */
export async function send<Output extends object = Record<string, unknown>>(
  adapter: Pick<DynamoDBAdapter, 'docClient' | 'stats'>,
  // The SDK's command classes are invariant in their middleware types; any command of the
  // document client is accepted here and typed by the caller's `Output`.
  command: object,
): Promise<Output> {
  const name = command.constructor.name.replace(/Command$/, '')
  let output: Output & { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] }
  try {
    output = (await adapter.docClient.send(command as never)) as unknown as typeof output
  } catch (error) {
    // A request that failed (a condition, a conflict) still counts; its capacity is unknown here.
    adapter.stats.record(name, undefined)
    for (const recorder of activeRecorders()) {
      recorder.record(name, undefined)
    }
    if (passesThrough(error)) {
      throw error
    }
    throw toAPIError(error, {
      endpoint: await describeEndpoint(adapter.docClient),
      operation: API_ACTIONS[name] ?? name,
      tableName: tableNameOf(command),
    })
  }
  const read = itemsRead(output)
  adapter.stats.record(name, output.ConsumedCapacity, read)
  for (const recorder of activeRecorders()) {
    recorder.record(name, output.ConsumedCapacity, read)
  }
  return output
}

/** How many items DynamoDB read for a response: what it scanned, or the items it returned. */
function itemsRead(output: object): number {
  const { Item, Responses, ScannedCount } = output as {
    Item?: unknown
    Responses?: unknown
    ScannedCount?: number
  }
  if (typeof ScannedCount === 'number') {
    return ScannedCount
  }
  if (Item) {
    return 1
  }
  if (Responses && typeof Responses === 'object') {
    // BatchGet: items per table; TransactGet: one response per item.
    return Array.isArray(Responses)
      ? Responses.filter((response) => (response as { Item?: unknown })?.Item).length
      : Object.values(Responses).reduce(
          (sum: number, items) => sum + (Array.isArray(items) ? items.length : 0),
          0,
        )
  }
  return 0
}

/** The document client's command names, as DynamoDB (and IAM) call the actions. */
const API_ACTIONS: Record<string, string> = {
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  Delete: 'DeleteItem',
  Get: 'GetItem',
  Put: 'PutItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
  Update: 'UpdateItem',
}

function tableNameOf(command: object): string | undefined {
  const input = (command as { input?: Record<string, unknown> }).input
  if (!input) {
    return undefined
  }
  if (typeof input.TableName === 'string') {
    return input.TableName
  }
  const requestItems = input.RequestItems
  if (requestItems && typeof requestItems === 'object') {
    return Object.keys(requestItems)[0]
  }
  const transactItems = input.TransactItems as Record<string, { TableName?: string }>[] | undefined
  const first = transactItems?.[0]
  return first ? Object.values(first)[0]?.TableName : undefined
}

/** The custom endpoint, or the regional one, for messages about unreachable endpoints. */
export async function describeEndpoint(
  client: Pick<DynamoDBClient, 'config'>,
): Promise<string | undefined> {
  try {
    const endpoint = await client.config.endpoint?.()
    if (endpoint) {
      const port = endpoint.port ? `:${endpoint.port}` : ''
      const path = endpoint.path && endpoint.path !== '/' ? endpoint.path : ''
      return `${endpoint.protocol}//${endpoint.hostname}${port}${path}`
    }
    const region = await client.config.region()
    return `dynamodb.${region}.amazonaws.com (region ${region})`
  } catch {
    return undefined
  }
}
