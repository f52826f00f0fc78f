import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'

import type { DynamoDBAdapterArgs } from '../types.js'

/**
 * Builds the low-level client (or takes the injected one) and the document client on top of it.
 * The SDK's default Node.js handler already keeps connections alive, so one adapter reuses its sockets.
 */
export function createClients(args: Pick<DynamoDBAdapterArgs, 'client' | 'clientConfig'>): {
  client: DynamoDBClient
  docClient: DynamoDBDocumentClient
} {
  if (args.client && args.clientConfig) {
    throw new Error('dynamodbAdapter: pass either `client` or `clientConfig`, not both.')
  }
  const client = args.client ?? new DynamoDBClient(args.clientConfig ?? {})
  const docClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: {
      convertEmptyValues: false,
      removeUndefinedValues: true,
    },
    unmarshallOptions: { wrapNumbers: false },
  })
  return { client, docClient }
}
