import type { Namespace } from '../namespaces.js'
import type { CompiledWhere } from '../query/compileWhere.js'
import type { IndexRead, Plan } from '../query/plan/types.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { indexEntries } from '../indexes/entries.js'
import { localeCodes } from '../indexes/registry.js'
import { coerceID, keyOf } from '../namespaces.js'
import { compareKeys } from '../query/plan/indexRanges.js'
import { batchGetDocuments, getDocument } from '../storage/documentStore.js'
import { copyStoredDocument } from '../storage/revisions.js'
import { type IndexEntryRow, iterateIndexRange } from '../storage/indexStore.js'
import { activeTransaction } from '../transactions/session.js'
import { heldByID } from './heldLookups.js'
import { orderedEntries, orderKeyOf } from './orderedEntries.js'
import { leasedDocuments } from './snapshots.js'

/** Reading a plan's candidate documents: by key, from index ranges, or walking an index in order. */

export async function fetchMatching(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  ids: (number | string)[],
  compiled: CompiledWhere,
  /** Only these top-level fields (see `projectedFields`); such documents are not remembered. */
  onlyFields?: string[],
  /**
   * Documents named by id (not found through entries or counts read now): one the transaction
   * read by key already is not read again (a write is conditioned on that revision). Documents
   * found through an index are read as stored now, or the page would judge fresh entries and
   * totals against older documents.
   */
  byKey = false,
  /** Collects the documents read that do not match (see `movedOutOfReads`). */
  unmatched?: Doc[],
): Promise<Doc[]> {
  // As the collection types its ids: `'5'` and `'05'` are one document with number ids.
  const typedIDs = ids.map((id) => coerceID(id, namespace))
  const unique = [
    ...new Map(typedIDs.map((id) => [JSON.stringify(keyOf(namespace, id)), id])).values(),
  ]
  const transaction = activeTransaction()
  const known: Doc[] = []
  const toRead = unique.flatMap((id) => {
    const key = keyOf(namespace, id)
    const read = byKey ? transaction?.readByKey(key) : undefined
    if (read) {
      known.push(read)
      return []
    }
    return [{ id, key }]
  })
  // Under this process's read lease, what it holds is what the table holds: no request.
  const leased = toRead.length > 0 ? await leasedDocuments(adapter, namespace) : undefined
  const keys = toRead.map(({ key }) => key)
  const fetched = leased
    ? toRead.flatMap(({ id }) => {
        const doc = heldByID(leased, id)
        return doc ? [copyStoredDocument(doc)] : []
      })
    : keys.length === 1
      ? [await getDocument(adapter, keys[0], onlyFields)].filter((doc) => doc !== null)
      : keys.length > 1
        ? await batchGetDocuments(adapter, keys, onlyFields)
        : []
  // Part of a document must never stand for all of it in a write that follows.
  if (transaction && !onlyFields) {
    fetched.forEach((doc) => transaction.rememberRead(keyOf(namespace, doc.id), doc))
  }
  return [...known, ...fetched].filter((doc) => {
    const matches = compiled.matches(doc)
    if (!matches) {
      unmatched?.push(doc)
    }
    return matches
  })
}

/**
 * Whether a document read as a candidate has none of its entries in the ranges it was found in:
 * it changed between the index read and the document read. What replaced it there (a draft's
 * new latest version, a document moved onto the value) was not in the entries read, so the
 * candidates are read again rather than answer without either.
 */
export function movedOutOfReads(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  reads: IndexRead[],
  doc: Doc,
): boolean {
  const definitions = [...new Set(reads.map((read) => read.definition))]
  return !indexEntries(namespace, definitions, localeCodes(adapter), doc).some((entry) =>
    reads.some(
      (read) =>
        read.pk === entry.pk &&
        read.ranges.some((range) => entry.sk >= range.from && entry.sk <= range.to),
    ),
  )
}

/**
 * Reads an index in sort order, fetching and filtering documents chunk by chunk, until `want`
 * matches are found and the run of entries tied with the last one taken is complete (ties are
 * then ordered by the full comparator, exactly as the reference would).
 */
export async function streamOrdered(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Extract<Plan, { kind: 'index' }>,
  compiled: CompiledWhere,
  want: number,
  onlyFields?: string[],
): Promise<Doc[]> {
  for (let walk = 1; ; walk++) {
    const { found, movedAhead } = await walkOrdered(
      adapter,
      namespace,
      plan,
      compiled,
      want,
      onlyFields,
    )
    // A document the walk left out because it moved ahead of it may sit, by now, where the walk
    // already read (a page of entries read before it moved) or be taken for one already met:
    // the page would leave out a document that matched throughout. Walked again, it is met
    // where it is; after a few walks (writes that never stop), the last page stands.
    if (!movedAhead || walk >= MAX_WALKS) {
      return found
    }
  }
}

/** Walks of one ordered page while documents keep moving ahead of them. */
const MAX_WALKS = 3

async function walkOrdered(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Extract<Plan, { kind: 'index' }>,
  compiled: CompiledWhere,
  want: number,
  onlyFields?: string[],
): Promise<{ found: Doc[]; movedAhead: boolean }> {
  // Documents met past the walk's position, by id: their nearest key now (see the return).
  const movedAhead = new Map<string, string>()
  const ordering = plan.ordering ?? { from: 0, to: 1 }
  // A walk that checks documents against conditions of other fields reads ahead by its match rate.
  const matchRate = Math.min(1, Math.max(plan.matchRate ?? 1, 0.01))
  const found: Doc[] = []
  const foundIDs = new Set<string>()
  let batch: IndexEntryRow[] = []
  const flush = async () => {
    if (batch.length > 0) {
      const ids = batch.map((row) => row.id)
      batch = []
      const reached = lastKey as string
      for (const doc of await fetchMatching(adapter, namespace, ids, compiled, onlyFields)) {
        // A document moved on since its entry was read: it belongs where it is now. Past the
        // walk's position it is not taken here (the page would hold it where it never was, and
        // leave out one that matched throughout); the walk is made again (streamOrdered).
        if (foundIDs.has(String(doc.id))) {
          continue
        }
        const nearest = nearestKey(doc)
        if (nearest !== undefined && compareKeys(nearest, reached) * direction <= 0) {
          foundIDs.add(String(doc.id))
          found.push(doc)
        } else {
          // No entry in the reads now: walked again, as before this was weighed (`''` sorts first).
          movedAhead.set(String(doc.id), nearest ?? '')
        }
      }
    }
  }
  const direction = plan.descending ? -1 : 1
  const walked = new Set(plan.reads.map((read) => read.pk))
  const definitions = [...new Set(plan.reads.map((read) => read.definition))]
  const locales = localeCodes(adapter)
  /** The doc's first key in the walk's order among its entries now (none: it left the reads). */
  const nearestKey = (doc: Doc): string | undefined => {
    let nearest: string | undefined
    for (const entry of indexEntries(namespace, definitions, locales, doc)) {
      const key = walked.has(entry.pk) ? orderKeyOf(entry.sk, ordering) : undefined
      if (
        key !== undefined &&
        (nearest === undefined || compareKeys(key, nearest) * direction < 0)
      ) {
        nearest = key
      }
    }
    return nearest
  }
  let lastKey: string | undefined
  // One entry more than the page, so the end of the last run of tied entries is usually seen at once.
  const pageSize = Math.min(200, Math.ceil((want + 1) / matchRate))
  for await (const row of orderedEntries(adapter, plan.reads, {
    descending: plan.descending,
    ordering,
    pageSize,
  })) {
    const key = orderKeyOf(row.sk, ordering)
    const full = found.length >= want
    if (full && key !== lastKey) {
      break
    }
    batch.push(row)
    lastKey = key
    if ((!full && found.length + batch.length * matchRate >= want) || batch.length >= 100) {
      await flush()
    }
  }
  await flush()
  // A full page ends at `lastKey`: a document that moved past it belongs to a later page either
  // way, and one met again at its new key was taken there. Only one that now sits within the
  // page and was not taken calls for another walk; any, if the entries ran out first.
  const full = found.length >= want
  const missed = [...movedAhead].some(
    ([id, key]) =>
      !foundIDs.has(id) &&
      (!full || key === '' || lastKey === undefined || compareKeys(key, lastKey) * direction <= 0),
  )
  return { found, movedAhead: missed }
}

export async function readCandidates(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Exclude<Plan, { kind: 'partition' }>,
  compiled: CompiledWhere,
  onlyFields?: string[],
  unmatched?: Doc[],
): Promise<Doc[]> {
  if (plan.kind === 'byID') {
    return fetchMatching(adapter, namespace, plan.ids, compiled, onlyFields, true)
  }
  if (plan.kind === 'empty') {
    return []
  }
  const ids: (number | string)[] = []
  for (const read of plan.reads) {
    for (const range of read.ranges) {
      for await (const rows of iterateIndexRange(adapter, read.pk, range, { descending: false })) {
        ids.push(...rows.map((row) => row.id))
      }
    }
  }
  return fetchMatching(adapter, namespace, ids, compiled, onlyFields, false, unmatched)
}

/** Index reads of candidates a query makes at most, while candidates move away meanwhile. */
const CANDIDATE_READS = 3

/**
 * The matching candidates of a plan (from `candidateIDs` when in hand), read again while a
 * candidate moved out of the index ranges between the index read and its own read
 * (`movedOutOfReads`): a draft saved meanwhile makes its new version latest and the one read
 * not, and an answer from that read would hold neither (a write that follows would start from
 * the published document).
 */
export async function readMovingCandidates(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Exclude<Plan, { kind: 'partition' }>,
  compiled: CompiledWhere,
  onlyFields: string[] | undefined,
  candidateIDs: (number | string)[] | undefined,
): Promise<Doc[]> {
  for (let attempt = 1; ; attempt++) {
    const unmatched: Doc[] = []
    const docs =
      candidateIDs && attempt === 1
        ? await fetchMatching(
            adapter,
            namespace,
            candidateIDs,
            compiled,
            onlyFields,
            false,
            unmatched,
          )
        : await readCandidates(adapter, namespace, plan, compiled, onlyFields, unmatched)
    if (
      attempt >= CANDIDATE_READS ||
      plan.kind !== 'index' ||
      !unmatched.some((doc) => movedOutOfReads(adapter, namespace, plan.reads, doc))
    ) {
      return docs
    }
  }
}
