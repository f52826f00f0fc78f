import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb'

import { toAPIError } from './errors.js'
import { describeEndpoint } from './send.js'

/** The key schema every table used by this adapter has: string `pk` and string `sk`. */
export const TABLE_KEY_SCHEMA = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
}

/**
 * Checks that the table exists; creates it (on-demand billing) when allowed and missing. Failures
 * (unreachable endpoint, access denied, ...) are thrown as `APIError`s saying what to do.
 */
export async function ensureTable(args: {
  client: DynamoDBClient
  create: boolean
  tableName: string
}): Promise<void> {
  const { client, create, tableName } = args
  const fail = async (error: unknown, operation: string) =>
    toAPIError(error, { endpoint: await describeEndpoint(client), operation, tableName })
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }))
    return
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) {
      throw await fail(error, 'DescribeTable')
    }
  }
  if (!create) {
    throw new Error(
      `DynamoDB table "${tableName}" does not exist. Create it with a string partition key "pk" and a string sort key "sk", or pass \`createTable: true\` to dynamodbAdapter().`,
    )
  }
  try {
    await client.send(
      new CreateTableCommand({
        ...TABLE_KEY_SCHEMA,
        BillingMode: 'PAY_PER_REQUEST',
        TableName: tableName,
      }),
    )
  } catch (error) {
    // Another process created it first: fine.
    if ((error as { name?: string }).name !== 'ResourceInUseException') {
      throw await fail(error, 'CreateTable')
    }
  }
  await waitUntilTableExists({ client, maxWaitTime: 120 }, { TableName: tableName })
}
