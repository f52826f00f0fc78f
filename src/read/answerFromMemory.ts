import type { Namespace } from '../namespaces.js'
import type { Plan } from '../query/plan/types.js'
import type { Doc } from '../query/types.js'
import type { ScanQuery } from './scanPartition.js'
import type { HeldDocuments } from './snapshots.js'

import { copyStoredDocument } from '../storage/revisions.js'
import { keepMatches } from './scanPartition.js'

/**
 * Answers a query from a namespace's documents held in memory (read/snapshots.ts): the
 * fallback's evaluation and ordering, without its reads.
 */
export async function answerFromMemory(
  namespace: Namespace,
  { docs, leased, loaded }: HeldDocuments,
  query: Pick<ScanQuery, 'compiled' | 'scope' | 'sort'>,
  options: { needsTotal: boolean; want: number },
): Promise<{ ordered: Doc[]; plan: Plan; totalDocs?: number }> {
  // Never folded: what is held is shared, so every caller gets copies.
  const kept = await keepMatches(
    namespace,
    query,
    { needsTotal: options.needsTotal, want: options.want },
    [docs],
  )
  return {
    // The held documents are shared; callers (and Payload's hooks) may change what they get.
    ordered: kept.ordered.map(copyStoredDocument),
    plan: {
      descending: false,
      held: true,
      kind: 'partition',
      ordered: false,
      reason: loaded
        ? 'read to be held in memory'
        : leased
          ? 'held in memory, leased'
          : 'held in memory',
    },
    totalDocs: kept.totalDocs,
  }
}
