import type { Where } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { keyOf } from '../namespaces.js'
import { compileWhere } from '../query/compileWhere.js'
import { batchGetDocuments, readPartition } from '../storage/documentStore.js'
import { requiredIDs } from './idConstraint.js'
import { createLookup } from './lookup.js'

export type MatchArgs = { locale?: string; where?: Where }

export type MatchResult = { docs: Doc[]; nearComparator?: (a: Doc, b: Doc) => number }

/**
 * Every document of a namespace that satisfies `where`, unordered. Documents are fetched by key
 * when the query pins their ids, otherwise the namespace's partition is read; the reference
 * evaluator decides what matches either way.
 */
export async function matchWithPlan(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  { locale, where }: MatchArgs,
): Promise<MatchResult> {
  const compiled = await compileWhere(
    { fields: namespace.fields, locale, lookup: createLookup(adapter), payload: adapter.payload },
    where,
  )
  const ids = requiredIDs(where)
  const candidates = ids
    ? await batchGetDocuments(
        adapter,
        ids.map((id) => keyOf(namespace, id)),
      )
    : await readPartition(adapter, namespace.pk)
  return { docs: candidates.filter(compiled.matches), nearComparator: compiled.nearComparator }
}

export async function matchDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: MatchArgs,
): Promise<Doc[]> {
  return (await matchWithPlan(adapter, namespace, args)).docs
}

