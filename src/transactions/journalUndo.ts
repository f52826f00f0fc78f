import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../types.js'
import type { JournalUndo } from './journal.js'

import { isConditionFailure } from '../storage/errors.js'
import { send } from '../storage/send.js'
import { WriteRefused } from '../write/refusedWrite.js'
import { headerKey, ownerCondition } from './journal.js'
import { JournalTakenOver } from './journalGrace.js'

type Store = Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>

/**
 * Payload's error for a journaled write that is undone, as JSON: a taken unique value's
 * `ValidationError`, the duplicate ids of creates whose id another document took, or DynamoDB's
 * refusal of a request (`refused`).
 */
export function undoneValidation(
  error: ValidationError | WriteRefused | { conflicts: { key: { sk: string } }[] },
): Record<string, unknown> {
  if (error instanceof ValidationError) {
    return { ...(error.data as Record<string, unknown>) }
  }
  if (error instanceof WriteRefused) {
    return { refused: { message: error.message, status: error.status } }
  }
  return {
    errors: error.conflicts.map((change) => ({
      message: `A document with id "${String(change.key.sk)}" already exists.`,
      path: 'id',
    })),
  }
}

/** The error a write undone for `validation` (`undoneValidation`) answers its caller with. */
export function undoneError(validation: Record<string, unknown>): ValidationError | WriteRefused {
  const refused = validation.refused as { message: string; status: number } | undefined
  return refused
    ? new WriteRefused(refused.message, refused.status)
    : new ValidationError(validation as ConstructorParameters<typeof ValidationError>[0])
}

/**
 * Records on the header, before an undo starts, that the write is undone: whoever ends it
 * (this process, or one that takes it over after a fault or a crash) undoes it again over the
 * documents as stored, instead of applying its remaining groups over groups already undone.
 */
export async function markUndoing(
  adapter: Store,
  writeID: string,
  owner: string,
  undo: JournalUndo,
): Promise<void> {
  const condition = ownerCondition(owner)
  try {
    await send(
      adapter,
      new UpdateCommand({
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: { ...condition.names, '#undoing': 'undoing' },
        ExpressionAttributeValues: { ...condition.values, ':undoing': JSON.stringify(undo) },
        Key: headerKey(writeID),
        ReturnConsumedCapacity: 'TOTAL',
        TableName: adapter.tableName,
        UpdateExpression: 'SET #undoing = :undoing',
      }),
    )
  } catch (error) {
    throw isConditionFailure(error) ? new JournalTakenOver(writeID) : error
  }
}
