import type { JoinQuery } from 'payload'

import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

/** Fills join fields; implemented in a later step. */
export async function resolveJoins(
  _adapter: DynamoDBAdapter,
  _args: { collection: string; docs: Doc[]; joins?: JoinQuery; locale?: string; versions?: boolean },
): Promise<void> {}
