import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'

import type { ItemKey } from '../keys/itemKeys.js'
import type { DynamoDBAdapter } from '../types.js'

import { send } from '../storage/send.js'
import { partitionItems } from './journal.js'

type Store = Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>

/**
 * How a write that another process took over ended (`applied`, `undone` with why, `withdrawn`),
 * for its first process, which may still be waiting to answer its caller
 * (journalOwnership.ts `awaitOutcome`). Written by the process that took it over, before it
 * deletes the journal; deleted by the first process once read, or after an hour by
 * `finishOpenCommits`.
 */
export const OUTCOME_PK = 'J#outcome'

export type JournalOutcome =
  | { kind: 'applied' }
  | { kind: 'undone'; validation: Record<string, unknown> }
  | { kind: 'withdrawn' }

const outcomeKey = (writeID: string): ItemKey => ({ pk: OUTCOME_PK, sk: writeID })

export async function recordOutcome(
  adapter: Store,
  writeID: string,
  outcome: JournalOutcome,
): Promise<void> {
  await send(
    adapter,
    new PutCommand({
      Item: { ...outcomeKey(writeID), at: Date.now(), outcome: JSON.stringify(outcome) },
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
}

export async function readOutcome(
  adapter: Store,
  writeID: string,
): Promise<JournalOutcome | undefined> {
  const out = await send<{ Item?: { outcome?: string } }>(
    adapter,
    new GetCommand({
      ConsistentRead: true,
      Key: outcomeKey(writeID),
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
  return out.Item?.outcome ? (JSON.parse(out.Item.outcome) as JournalOutcome) : undefined
}

export async function deleteOutcome(adapter: Store, writeID: string): Promise<void> {
  await send(
    adapter,
    new DeleteCommand({
      Key: outcomeKey(writeID),
      ReturnConsumedCapacity: 'TOTAL',
      TableName: adapter.tableName,
    }),
  )
}

/** Deletes outcomes nobody read (their first process died too) once they are `olderThanMs` old. */
export async function sweepOutcomes(adapter: Store, olderThanMs: number): Promise<void> {
  const stale = await partitionItems(adapter, OUTCOME_PK, {
    before: Date.now() - olderThanMs,
    expression: '#at < :before',
  })
  for (const item of stale) {
    await deleteOutcome(adapter, String(item.sk))
  }
}
