import { QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'

import type { DynamoDBAdapter } from '../../src/index.js'

/** A command as the document client receives it. */
export type SentCommand = { constructor: { name: string }; input?: unknown }

/**
 * Watches what the adapter sends (until `restore()`): counts the commit journals it writes (puts
 * of a journal header), and awaits `before(command)`, if given, before each request goes out.
 */
export function watchSends(
  adapter: DynamoDBAdapter,
  before?: (command: SentCommand) => Promise<void>,
): { journals: () => number; restore: () => void } {
  const send = adapter.docClient.send.bind(adapter.docClient)
  let journals = 0
  adapter.docClient.send = (async (command: SentCommand, ...rest: []) => {
    await before?.(command)
    const item = (command.input as { Item?: { pk?: unknown } } | undefined)?.Item
    if (command.constructor.name === 'PutCommand' && item?.pk === 'J#journal') {
      journals++
    }
    return send(command as never, ...rest)
  }) as typeof adapter.docClient.send
  return { journals: () => journals, restore: () => (adapter.docClient.send = send) }
}

/**
 * Changes the one open journal's header as stored (raw attribute values), as a crash, a stalled
 * process or an earlier version would have left it. Fails unless exactly one journal is open.
 */
export async function updateJournalHeader(
  adapter: DynamoDBAdapter,
  update: {
    expression: string
    names?: Record<string, string>
    values?: Record<string, { N: string } | { S: string }>
  },
): Promise<void> {
  const headers = await adapter.client.send(
    new QueryCommand({
      ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': { S: 'J#journal' } },
      KeyConditionExpression: 'pk = :pk',
      TableName: adapter.tableName,
    }),
  )
  if (headers.Items?.length !== 1) {
    throw new Error(`expected one open journal, found ${headers.Items?.length ?? 0}`)
  }
  const [header] = headers.Items
  await adapter.client.send(
    new UpdateItemCommand({
      ExpressionAttributeNames: update.names,
      ExpressionAttributeValues: update.values,
      Key: { pk: header!.pk!, sk: header!.sk! },
      TableName: adapter.tableName,
      UpdateExpression: update.expression,
    }),
  )
}
