import type { PayloadRequest } from 'payload'

import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { refuseNewMisfits } from './refuseMisfits.js'
import { assertNoRepeatedUniqueValues, assertNoSharedNewUniqueValues } from './repeatedValues.js'

/**
 * What a write's changes are judged by before anything of them is sent, against the indexes this
 * process knows: values the indexes cannot key, a unique value repeated within a document or
 * shared by two of the write's documents. Judged again when the write finds the table's index
 * record moved on (an index built by a process of another config): its new indexes too.
 */
export function refuseInvalidChanges(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  req?: Partial<PayloadRequest>,
): void {
  refuseNewMisfits(adapter, changes, req)
  assertNoRepeatedUniqueValues(adapter, changes, req)
  assertNoSharedNewUniqueValues(adapter, changes, req)
}
