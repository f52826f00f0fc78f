import type { Where } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { runQuery } from './runQuery.js'

/** Every document of a namespace that satisfies `where` (in the default order). */
export async function matchDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: { locale?: string; where?: Where },
): Promise<Doc[]> {
  const { ordered } = await runQuery(adapter, namespace, args, {
    needsTotal: false,
    want: Number.POSITIVE_INFINITY,
  })
  return ordered
}

/** How many documents of a namespace satisfy `where`, counted from an index when one answers exactly. */
export async function countDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: { locale?: string; where?: Where },
): Promise<number> {
  const { totalDocs } = await runQuery(adapter, namespace, args, { needsTotal: true, want: 0 })
  return totalDocs ?? 0
}
