import {
  DeleteCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'

import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'

import { STAMP_ATTRIBUTE, WRITES_ATTRIBUTE } from '../keys/counterKey.js'
import { send } from '../storage/send.js'

/** A condition on the item an action writes. */
export type WriteCondition = {
  expression: string
  names?: Record<string, string>
  values?: Record<string, unknown>
}

export type WriteAction =
  /**
   * Adds `amount` to a number attribute; with `stamp`, also sets the item's `stamp` and adds one
   * to its `writes` (a namespace's counter items carry the id of the last write that changed its
   * documents and how many did: see read/snapshots.ts).
   */
  | {
      amount: number
      attribute: string
      /** A namespace's counter shard: the write holds only if the shard meets it. */
      condition?: WriteCondition
      key: ItemKey
      stamp?: string
      type: 'add'
    }
  | { condition?: WriteCondition; item: Record<string, unknown>; type: 'put' }
  | { condition?: WriteCondition; key: ItemKey; type: 'delete' }
  /** Writes nothing: the transaction only holds if the item meets the condition. */
  | { condition: WriteCondition; key: ItemKey; type: 'check' }
  /**
   * Adds `value` to the number set `attribute` (`done` when not given: a commit journal's groups
   * applied; `begun`: groups of which a request was applied).
   */
  | { attribute?: string; condition?: WriteCondition; key: ItemKey; type: 'mark'; value: number }
  /** Sets top-level attributes of an existing item, leaving the rest as stored. */
  | { condition?: WriteCondition; key: ItemKey; set: Record<string, unknown>; type: 'set' }

export const MUST_EXIST: WriteCondition = { expression: 'attribute_exists(pk)' }
export const MUST_NOT_EXIST: WriteCondition = { expression: 'attribute_not_exists(pk)' }

/** DynamoDB's cap on actions in one TransactWriteItems request. */
export const MAX_TRANSACTION_ACTIONS = 100

/** How often a transaction cancelled only by conflicts with other transactions is sent again. */
const CONFLICT_ATTEMPTS = 8

type Writer = Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>

function conditionParams(condition: WriteCondition | undefined) {
  return condition
    ? {
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ExpressionAttributeValues: condition.values,
      }
    : {}
}

function addParams(action: Extract<WriteAction, { type: 'add' }>, tableName: string) {
  const names: Record<string, string> = { '#attr': action.attribute }
  const values: Record<string, unknown> = { ':amount': action.amount }
  if (action.stamp !== undefined) {
    names['#stamp'] = STAMP_ATTRIBUTE
    names['#writes'] = WRITES_ATTRIBUTE
    values[':stamp'] = action.stamp
    values[':one'] = 1
  }
  return {
    ...(action.condition ? { ConditionExpression: action.condition.expression } : {}),
    ExpressionAttributeNames: { ...action.condition?.names, ...names },
    ExpressionAttributeValues: { ...action.condition?.values, ...values },
    Key: action.key,
    TableName: tableName,
    UpdateExpression:
      action.stamp !== undefined
        ? 'SET #stamp = :stamp ADD #attr :amount, #writes :one'
        : 'ADD #attr :amount',
  }
}

function markParams(action: Extract<WriteAction, { type: 'mark' }>, tableName: string) {
  return {
    ...conditionParams(action.condition),
    ExpressionAttributeNames: { ...action.condition?.names, '#done': action.attribute ?? 'done' },
    ExpressionAttributeValues: { ...action.condition?.values, ':group': new Set([action.value]) },
    Key: action.key,
    TableName: tableName,
    UpdateExpression: 'ADD #done :group',
  }
}

function setParams(action: Extract<WriteAction, { type: 'set' }>, tableName: string) {
  const entries = Object.entries(action.set)
  const condition = conditionParams(action.condition) as {
    ExpressionAttributeNames?: Record<string, string>
    ExpressionAttributeValues?: Record<string, unknown>
  }
  return {
    ...condition,
    ExpressionAttributeNames: {
      ...condition.ExpressionAttributeNames,
      ...Object.fromEntries(entries.map(([name], index) => [`#set${index}`, name])),
    },
    ExpressionAttributeValues: {
      ...condition.ExpressionAttributeValues,
      ...Object.fromEntries(entries.map(([, value], index) => [`:set${index}`, value])),
    },
    Key: action.key,
    TableName: tableName,
    UpdateExpression: `SET ${entries.map((_, index) => `#set${index} = :set${index}`).join(', ')}`,
  }
}

function singleCommand(action: WriteAction, tableName: string): object {
  const common = { ReturnConsumedCapacity: 'TOTAL' as const, TableName: tableName }
  switch (action.type) {
    case 'check':
      // A lone check writes nothing; as a one-item transaction it still reports its condition.
      return new TransactWriteCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: [transactItem(action, tableName)],
      })
    case 'mark':
      return new UpdateCommand({ ...common, ...markParams(action, tableName) })
    case 'set':
      return new UpdateCommand({ ...common, ...setParams(action, tableName) })
    case 'put':
      return new PutCommand({ ...common, ...conditionParams(action.condition), Item: action.item })
    case 'delete':
      return new DeleteCommand({ ...common, ...conditionParams(action.condition), Key: action.key })
    default:
      return new UpdateCommand({ ...common, ...addParams(action, tableName) })
  }
}

function transactItem(action: WriteAction, tableName: string) {
  switch (action.type) {
    case 'check':
      return {
        ConditionCheck: {
          ConditionExpression: action.condition.expression,
          ExpressionAttributeNames: action.condition.names,
          ExpressionAttributeValues: action.condition.values,
          Key: action.key,
          TableName: tableName,
        },
      }
    case 'mark':
      return { Update: markParams(action, tableName) }
    case 'set':
      return { Update: setParams(action, tableName) }
    case 'put':
      return {
        Put: { ...conditionParams(action.condition), Item: action.item, TableName: tableName },
      }
    case 'delete':
      return {
        Delete: { ...conditionParams(action.condition), Key: action.key, TableName: tableName },
      }
    default:
      return { Update: addParams(action, tableName) }
  }
}

/**
 * Writes up to 100 actions all-or-nothing in one TransactWriteItems request. A single action is
 * sent as a plain conditional write, as atomic at half the write cost. The request carries a
 * `ClientRequestToken`, so the SDK's own retries of a request whose response was lost are not
 * applied twice; a transaction cancelled only by a conflict with another transaction is sent
 * again (a new attempt, a new token) with backoff and jitter.
 */
export async function transactWrite(adapter: Writer, actions: WriteAction[]): Promise<void> {
  if (actions.length === 0) {
    return
  }
  if (actions.length > MAX_TRANSACTION_ACTIONS) {
    throw new Error(`transactWrite: ${actions.length} actions exceed DynamoDB's 100 per request.`)
  }
  if (actions.length === 1) {
    await send(adapter, singleCommand(actions[0], adapter.tableName))
    return
  }
  for (let attempt = 1; ; attempt++) {
    const command = new TransactWriteCommand({
      ClientRequestToken: randomUUID(),
      ReturnConsumedCapacity: 'TOTAL',
      TransactItems: actions.map((action) => transactItem(action, adapter.tableName)),
    })
    try {
      await send(adapter, command)
      return
    } catch (error) {
      if (attempt >= CONFLICT_ATTEMPTS || !onlyConflicts(error)) {
        throw error
      }
      await jitteredDelay(attempt)
    }
  }
}

/** Full-jitter exponential backoff: a random wait up to 20 ms x 2^attempt, at most 1 s. */
export function jitteredDelay(attempt: number): Promise<void> {
  const cap = Math.min(1000, 20 * 2 ** attempt)
  return new Promise((resolve) => setTimeout(resolve, cap * Math.random()))
}

function onlyConflicts(error: unknown): boolean {
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons
  return (
    (error as { name?: string }).name === 'TransactionCanceledException' &&
    Boolean(reasons?.some((reason) => reason.Code === 'TransactionConflict')) &&
    !reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')
  )
}

/** For a failed write: the indexes (in `actions`) of the actions whose condition failed. */
export function failedConditionIndexes(error: unknown, actionCount: number): number[] {
  const name = (error as { name?: string }).name
  if (name === 'ConditionalCheckFailedException' && actionCount === 1) {
    return [0]
  }
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []
  return reasons.flatMap((reason, index) =>
    reason.Code === 'ConditionalCheckFailed' ? [index] : [],
  )
}
