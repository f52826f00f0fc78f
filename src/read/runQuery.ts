import type { Sort, Where } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { CompiledWhere } from '../query/compileWhere.js'
import type { Plan } from '../query/plan/types.js'
import type { Doc, QueryScope } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { queryableIndexes } from '../indexes/buildState.js'
import { keyOf } from '../namespaces.js'
import { compileWhere } from '../query/compileWhere.js'
import { buildComparator } from '../query/compileSort.js'
import { primarySort } from '../query/plan/conditions.js'
import { planQuery } from '../query/plan/planQuery.js'
import { batchGetDocuments, getDocument } from '../storage/documentStore.js'
import {
  countIndexRanges,
  type IndexEntryRow,
  iterateIndexRange,
  readDocumentCount,
} from '../storage/indexStore.js'
import { RequestStats, withRequestRecorder } from '../storage/requestStats.js'
import { defaultLocaleOf } from '../utilities/valuesAtPath.js'
import { activeTransaction, type StagedDocument } from '../transactions/session.js'
import { createLookup } from './lookup.js'
import { overlayStaged, stagedCountChange } from './overlay.js'
import { planTracing, reportPlan, tracePlan } from './reportPlan.js'
import { scanPartition } from './scanPartition.js'

export type QueryArgs = {
  locale?: string
  sort?: Sort
  where?: Where
}

export type RunOptions = {
  needsTotal: boolean
  /** The page wanted, when the caller wants one page (lets the planner skip reading the rest). */
  page?: { limit: number; offset: number }
  want: number
}

export type QueryResult = {
  /** Position of `ordered[0]` among all matches (non-zero when leading matches were skipped). */
  offset: number
  /** Matches in sort order: all of them, or at least the first `want` (see `runQuery`). */
  ordered: Doc[]
  plan: Plan
  /** The number of matches, when the caller asked for it. */
  totalDocs?: number
}

function scopeOf(adapter: DynamoDBAdapter, namespace: Namespace, locale?: string): QueryScope {
  return {
    fields: namespace.fields,
    locale,
    lookup: createLookup(adapter),
    payload: adapter.payload,
  }
}

/**
 * The locale whose index partitions a query reads. With `all`/`*` a value may sit in any locale,
 * so localized indexes are not used (undefined); without a locale, the default locale's are.
 */
function indexLocale(adapter: DynamoDBAdapter, locale?: string): string | undefined {
  if (locale === 'all' || locale === '*') {
    return undefined
  }
  return locale ?? defaultLocaleOf(adapter.payload.config)
}

/** The value part of an index key (everything before the first terminator). */
function valuePart(sk: string): string {
  const end = sk.indexOf('\u0001\u0001')
  return end === -1 ? sk : sk.slice(0, end)
}

async function fetchMatching(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  ids: (number | string)[],
  compiled: CompiledWhere,
): Promise<Doc[]> {
  const unique = [...new Map(ids.map((id) => [String(id), id])).values()]
  if (unique.length === 1) {
    const doc = await getDocument(adapter, keyOf(namespace, unique[0]))
    return doc && compiled.matches(doc) ? [doc] : []
  }
  const docs = await batchGetDocuments(
    adapter,
    unique.map((id) => keyOf(namespace, id)),
  )
  return docs.filter(compiled.matches)
}

/**
 * Reads an index in sort order, fetching and filtering documents chunk by chunk, until `want`
 * matches are found and the run of equal sort values at the cut is complete (ties are then ordered
 * by the full comparator, exactly as the reference would).
 */
async function streamOrdered(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Extract<Plan, { kind: 'index' }>,
  compiled: CompiledWhere,
  want: number,
): Promise<Doc[]> {
  const read = plan.reads[0]
  const found: Doc[] = []
  let lastValue: string | undefined
  // One entry more than the page, so the end of the last run of equal values is usually seen at once.
  const pageSize = Math.min(200, want + 1)
  for (const range of read.ranges) {
    for await (const rows of iterateIndexRange(adapter, read.pk, range, {
      descending: plan.descending,
      pageSize,
    })) {
      let next = 0
      while (next < rows.length) {
        const missing = want - found.length
        let taken: typeof rows
        let complete = false
        if (missing > 0) {
          taken = rows.slice(next, next + missing)
        } else {
          // The page is full: only entries tied with the last one taken can still belong to it.
          const end = rows.findIndex(
            (row, index) => index >= next && valuePart(row.sk) !== lastValue,
          )
          complete = end !== -1
          taken = rows.slice(next, complete ? end : rows.length)
        }
        next += taken.length
        if (taken.length > 0) {
          found.push(
            ...(await fetchMatching(
              adapter,
              namespace,
              taken.map((row) => row.id),
              compiled,
            )),
          )
          lastValue = valuePart(taken[taken.length - 1].sk)
        }
        if (complete) {
          return found
        }
      }
    }
  }
  return found
}

/**
 * For a plan whose entries are exactly the matches, ordered by `createdAt` (the default order of
 * every list): entries carry `createdAt`, so they are ordered without fetching documents and only
 * the page (widened to whole runs of equal `createdAt`, which the comparator then orders) is read.
 */
async function pageByCreatedAt(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Extract<Plan, { kind: 'index' }>,
  compiled: CompiledWhere,
  window: { descending: boolean; limit: number; offset: number },
): Promise<{ docs: Doc[]; offset: number; total: number }> {
  const unique = new Map<string, IndexEntryRow>()
  for (const read of plan.reads) {
    for (const range of read.ranges) {
      for await (const rows of iterateIndexRange(adapter, read.pk, range, { descending: false })) {
        rows.forEach((row) => unique.set(String(row.id), row))
      }
    }
  }
  const entries = [...unique.values()]
  // Documents without createdAt sort first ascending and last descending, like NULLs in SQL.
  const created = (row: IndexEntryRow) => row.c ?? Number.NEGATIVE_INFINITY
  const direction = window.descending ? -1 : 1
  entries.sort((a, b) =>
    created(a) === created(b) ? 0 : created(a) < created(b) ? -direction : direction,
  )
  const total = entries.length
  let start = Math.min(window.offset, total)
  let end = Math.min(total, window.offset + window.limit)
  while (start > 0 && start < total && created(entries[start - 1]) === created(entries[start])) {
    start--
  }
  while (end > 0 && end < total && created(entries[end - 1]) === created(entries[end])) {
    end++
  }
  const docs = await fetchMatching(
    adapter,
    namespace,
    entries.slice(start, end).map((row) => row.id),
    compiled,
  )
  return { docs, offset: start, total }
}

async function readCandidates(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Exclude<Plan, { kind: 'partition' }>,
  compiled: CompiledWhere,
): Promise<Doc[]> {
  if (plan.kind === 'byID') {
    return fetchMatching(adapter, namespace, plan.ids, compiled)
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
  return fetchMatching(adapter, namespace, ids, compiled)
}

/**
 * Answers a query over one namespace: plans it, reads what the plan says, keeps what the
 * reference evaluator accepts and orders it with the reference comparator.
 * `want` is how many leading matches the caller needs (Infinity for all); `needsTotal` asks for
 * the number of matches as well.
 */
export async function runQuery(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: QueryArgs,
  options: RunOptions,
): Promise<QueryResult> {
  const staged = activeTransaction()?.inPartition(namespace.pk)
  if (staged && staged.size > 0) {
    return answerWithStaged(adapter, namespace, args, staged, options)
  }
  if (!planTracing(adapter)) {
    return answerQuery(adapter, namespace, args, options)
  }
  const recorder = new RequestStats()
  const result = await withRequestRecorder(recorder, () =>
    answerQuery(adapter, namespace, args, options),
  )
  tracePlan(adapter, namespace, result.plan, recorder)
  return result
}

/**
 * A query in a transaction that staged writes here: stored matches with the staged ones laid
 * over. A page reads only the stored matches that can still reach it (each staged document can
 * push at most one out), and a total is the stored total corrected by the staged documents.
 */
async function answerWithStaged(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: QueryArgs,
  staged: Map<string, StagedDocument>,
  options: RunOptions,
): Promise<QueryResult> {
  const scope = scopeOf(adapter, namespace, args.locale)
  const compiled = await compileWhere(scope, args.where)
  const paged = Number.isFinite(options.want)
  const stored = await answerQuery(adapter, namespace, args, {
    needsTotal: paged && options.needsTotal,
    want: paged ? options.want + staged.size : Number.POSITIVE_INFINITY,
  })
  const docs = overlayStaged(namespace, stored.ordered, staged, compiled)
  docs.sort(
    compiled.nearComparator ??
      (await buildComparator(scope, args.sort, { timestamps: namespace.timestamps }, docs)),
  )
  const totalDocs =
    paged && options.needsTotal && stored.totalDocs !== undefined
      ? stored.totalDocs + (await stagedCountChange(adapter, staged, compiled))
      : docs.length
  return { offset: 0, ordered: docs, plan: stored.plan, totalDocs }
}

async function answerQuery(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: QueryArgs,
  options: RunOptions,
): Promise<QueryResult> {
  const planned = planQuery({
    definitions: queryableIndexes(adapter, namespace),
    locale: indexLocale(adapter, args.locale),
    namespace,
    needsTotal: options.needsTotal,
    want: options.want,
    sort: args.sort as string | string[] | undefined,
    where: args.where,
  })
  if (planned.kind === 'empty') {
    // Nothing can match: answered without a request (not even the lookups of the where).
    return { offset: 0, ordered: [], plan: planned, totalDocs: options.needsTotal ? 0 : undefined }
  }
  const scope = scopeOf(adapter, namespace, args.locale)
  const compiled = await compileWhere(scope, args.where)
  const plan: Plan = compiled.nearComparator
    ? { descending: false, kind: 'partition', ordered: false, reason: '`near` orders by distance' }
    : planned
  reportPlan(adapter, namespace, plan)
  if (plan.kind === 'partition') {
    // The fallback holds only what the answer needs (see scanPartition).
    const scanned = await scanPartition(
      adapter,
      namespace,
      { compiled, scope, sort: args.sort, where: args.where },
      options,
    )
    return { offset: 0, ordered: scanned.ordered, plan, totalDocs: scanned.totalDocs }
  }

  if (options.want === 0 && options.needsTotal && plan.kind === 'index' && plan.exactCount) {
    return {
      offset: 0,
      ordered: [],
      plan,
      totalDocs: await countFromIndex(adapter, namespace, plan, args.where),
    }
  }
  const sort = primarySort(args.sort as string | string[] | undefined, namespace.timestamps)
  if (
    plan.kind === 'index' &&
    !plan.ordered &&
    plan.exactCount &&
    sort.path === 'createdAt' &&
    options.page &&
    Number.isFinite(options.want)
  ) {
    const { docs, offset, total } = await pageByCreatedAt(adapter, namespace, plan, compiled, {
      descending: sort.descending,
      limit: options.page.limit,
      offset: options.page.offset,
    })
    docs.sort(await buildComparator(scope, args.sort, { timestamps: namespace.timestamps }, docs))
    return { offset, ordered: docs, plan, totalDocs: total }
  }
  const streaming =
    plan.kind === 'index' &&
    plan.ordered &&
    Number.isFinite(options.want) &&
    (!options.needsTotal || plan.exactCount)
  const docs = streaming
    ? await streamOrdered(adapter, namespace, plan, compiled, options.want)
    : await readCandidates(adapter, namespace, plan, compiled)

  const comparator =
    compiled.nearComparator ??
    (await buildComparator(scope, args.sort, { timestamps: namespace.timestamps }, docs))
  docs.sort(comparator)

  let totalDocs: number | undefined
  if (options.needsTotal) {
    totalDocs =
      streaming && plan.kind === 'index'
        ? await countFromIndex(adapter, namespace, plan, args.where)
        : docs.length
  }
  return { offset: 0, ordered: docs, plan, totalDocs }
}

/** For plans whose entries are exactly the matches: the namespace counter, or an index count. */
async function countFromIndex(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Extract<Plan, { kind: 'index' }>,
  where: undefined | Where,
): Promise<number> {
  if (!where || Object.keys(where).length === 0) {
    return readDocumentCount(adapter, namespace.pk)
  }
  const read = plan.reads[0]
  return countIndexRanges(adapter, read.pk, read.ranges)
}
