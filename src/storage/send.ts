import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb'

import type { DynamoDBAdapter } from '../types.js'

import { activeRecorders } from './requestStats.js'

/**
 * Every DynamoDB request of the adapter goes through here, so request counts and consumed
 * capacity are recorded in one place (see `adapter.stats`).
 */
export async function send<Output extends object = Record<string, unknown>>(
  adapter: Pick<DynamoDBAdapter, 'docClient' | 'stats'>,
  // The SDK's command classes are invariant in their middleware types; any command of the
  // document client is accepted here and typed by the caller's `Output`.
  command: object,
): Promise<Output> {
  const output = (await adapter.docClient.send(command as never)) as unknown as Output & {
    ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[]
  }
  const name = command.constructor.name.replace(/Command$/, '')
  adapter.stats.record(name, output.ConsumedCapacity)
  for (const recorder of activeRecorders()) {
    recorder.record(name, output.ConsumedCapacity)
  }
  return output
}
