import { DeleteCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb'

import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'

import { send } from '../storage/send.js'

export type WriteAction =
  | { condition?: 'mustExist' | 'mustNotExist'; item: Record<string, unknown>; type: 'put' }
  | { key: ItemKey; type: 'delete' }

/** DynamoDB's cap on actions in one TransactWriteItems request. */
export const MAX_TRANSACTION_ACTIONS = 100

const CONDITIONS = {
  mustExist: 'attribute_exists(pk)',
  mustNotExist: 'attribute_not_exists(pk)',
} as const

/**
 * Writes the actions all-or-nothing, in one TransactWriteItems request per 100 actions.
 * Up to 100 actions the write is atomic; a larger set is atomic per group of 100. A single action
 * is sent as a plain conditional Put/Delete, which is just as atomic at half the write cost.
 */
export async function transactWrite(
  adapter: Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>,
  actions: WriteAction[],
): Promise<void> {
  if (actions.length === 1) {
    const [action] = actions
    await send(
      adapter,
      action.type === 'put'
        ? new PutCommand({
            ConditionExpression: action.condition ? CONDITIONS[action.condition] : undefined,
            Item: action.item,
            ReturnConsumedCapacity: 'TOTAL',
            TableName: adapter.tableName,
          })
        : new DeleteCommand({
            Key: action.key,
            ReturnConsumedCapacity: 'TOTAL',
            TableName: adapter.tableName,
          }),
    )
    return
  }
  for (let start = 0; start < actions.length; start += MAX_TRANSACTION_ACTIONS) {
    const group = actions.slice(start, start + MAX_TRANSACTION_ACTIONS)
    await send(
      adapter,
      new TransactWriteCommand({
        ReturnConsumedCapacity: 'TOTAL',
        TransactItems: group.map((action) =>
          action.type === 'put'
            ? {
                Put: {
                  ConditionExpression: action.condition ? CONDITIONS[action.condition] : undefined,
                  Item: action.item,
                  TableName: adapter.tableName,
                },
              }
            : { Delete: { Key: action.key, TableName: adapter.tableName } },
        ),
      }),
    )
  }
}
