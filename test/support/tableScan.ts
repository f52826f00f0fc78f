import { ScanCommand } from '@aws-sdk/client-dynamodb'

import type { DynamoDBAdapter } from '../../src/index.js'

/**
 * Items of the adapter's table that pass `filter` (a FilterExpression over raw attribute values,
 * e.g. `attribute_exists(lk)` or `pk = :pk`), counted by a full consistent scan.
 */
export async function scanCount(
  adapter: DynamoDBAdapter,
  filter: string,
  values = {},
  names?: Record<string, string>,
): Promise<number> {
  let total = 0
  let startKey: Record<string, never> | undefined
  do {
    const page = await adapter.client.send(
      new ScanCommand({
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
        FilterExpression: filter,
        Select: 'COUNT',
        TableName: adapter.tableName,
      }),
    )
    total += page.Count ?? 0
    startKey = page.LastEvaluatedKey as typeof startKey
  } while (startKey)
  return total
}
