import type { Payload } from 'payload'

import { UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { DynamoDBAdapter } from '../../src/index.js'

import { collectionNamespace } from '../../src/namespaces.js'

/**
 * Ends the cooldown after a revocation (leaseTiming.ts), so that the next test's holder can take
 * the collection's lease without waiting for it: a test-only edit of the state item.
 */
export async function endCooldown(payload: Payload, collection: string): Promise<void> {
  const adapter = payload.db as unknown as DynamoDBAdapter
  await adapter.docClient.send(
    new UpdateCommand({
      ExpressionAttributeNames: { '#lc': 'lc', '#ln': 'ln' },
      Key: { pk: collectionNamespace(adapter, collection).pk, sk: 'M#indexes' },
      TableName: adapter.tableName,
      UpdateExpression: 'REMOVE #lc, #ln',
    }),
  )
}
