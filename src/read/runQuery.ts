import type { SelectType, Sort, Where } from 'payload'

import { meansAnyLocale } from '../query/scopeInfo.js'
import type { Namespace } from '../namespaces.js'
import type { Plan } from '../query/plan/types.js'
import type { Doc, QueryScope } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { freshIndexState, queryableIndexes } from '../indexes/buildState.js'
import { compileWhere } from '../query/compileWhere.js'
import { buildComparator } from '../query/compileSort.js'
import { planQuery } from '../query/plan/planQuery.js'
import { RequestStats, withRequestRecorder } from '../storage/requestStats.js'
import { defaultLocaleOf } from '../utilities/valuesAtPath.js'
import { activeTransaction, type StagedDocument } from '../transactions/session.js'
import type { CostEstimate } from '../query/plan/cost.js'

import { droppedWhileRead } from './droppedWhileRead.js'
import { fewCandidateIDs } from './fewCandidates.js'
import { readMovingCandidates, streamOrdered } from './readCandidates.js'
import { countEntries, countFromIndex } from './indexCounts.js'
import { createLookup } from './lookup.js'
import { hintedOverflowing, overflowedWhileRead } from './overflowingIndexes.js'
import { overlayStaged, stagedCountChange } from './overlay.js'
import { relationConditions } from './relationConditions.js'
import { projectedFields } from './projection.js'
import { planTracing, reportPlan, tracePlan } from './reportPlan.js'
import { answerFromMemory } from './answerFromMemory.js'
import { scanPartition } from './scanPartition.js'
import { leaseServes } from '../leases/holdLease.js'
import { heldDocuments } from './snapshots.js'
import {
  knownCandidatesCost,
  observeDocuments,
  plainEstimate,
  leastEntriesPlan,
  weighCandidates,
} from './weighPlan.js'

export type QueryArgs = {
  locale?: string
  /** The part of each document the caller returns: only it (and what the query names) is read. */
  select?: SelectType
  sort?: Sort
  where?: Where
}

export type RunOptions = {
  /**
   * With `want` infinite: the matches handed over as they are read instead of returned, where the
   * query reads the partition (outside a transaction that staged writes there); any other plan
   * still returns them. Their order is the partition's, not the query's.
   */
  fold?: (matches: Doc[]) => Promise<void>
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
  /** What the plan was expected to cost, when known (see query/plan/cost.ts). */
  estimate?: CostEstimate
  /** The number of matches, when the caller asked for it. */
  totalDocs?: number
  /** When the index state it planned with was read, for a query that may have read indexes. */
  indexStateReadAt?: number
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
  if (meansAnyLocale(locale)) {
    return undefined
  }
  return locale ?? defaultLocaleOf(adapter.payload.config)
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
  for (;;) {
    const result = await runQueryOnce(adapter, namespace, args, options)
    if (await overflowedWhileRead(adapter, namespace, result.plan)) {
      // The next run plans without that index.
      continue
    }
    const stateReadAt = result.indexStateReadAt
    if (
      stateReadAt === undefined ||
      !(await droppedWhileRead(adapter, namespace, result.plan, stateReadAt))
    ) {
      return result
    }
  }
}

async function runQueryOnce(
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
  return {
    indexStateReadAt: stored.indexStateReadAt,
    offset: 0,
    ordered: docs,
    plan: stored.plan,
    totalDocs,
  }
}

async function answerQuery(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  args: QueryArgs,
  options: RunOptions,
): Promise<QueryResult> {
  let planInput = {
    definitions: queryableIndexes(adapter, namespace),
    locale: indexLocale(adapter, args.locale),
    namespace,
    needsTotal: options.needsTotal,
    want: options.want,
    sort: args.sort as string | string[] | undefined,
    where: args.where,
  }
  let planned = planQuery(planInput)
  const nothing = (plan: Plan): QueryResult => ({
    offset: 0,
    ordered: [],
    plan,
    totalDocs: options.needsTotal ? 0 : undefined,
  })
  if (planned.kind === 'empty') {
    // Nothing can match: answered without a request (not even the lookups of the where).
    return nothing(planned)
  }
  const scope = scopeOf(adapter, namespace, args.locale)
  // Looking up related documents (`author.name`) overlaps the reads below.
  const compiling = compileWhere(scope, args.where)
  compiling.catch(() => undefined) // awaited on every path that uses it
  // A small namespace held in memory answers from there. Reads by id only use what is held
  // already, outside transactions (which remember what they read): one GetItem costs what the
  // check costs, but several documents by key cost more than the check's few small items, and
  // under the read lease a held namespace answers without any request.
  const held =
    planned.kind !== 'byID'
      ? await heldDocuments(adapter, namespace)
      : (planned.ids.length > 1 || leaseServes(adapter, namespace.pk)) && !activeTransaction()
        ? await heldDocuments(adapter, namespace, { onlyIfHeld: true })
        : undefined
  if (held) {
    const answer = await answerFromMemory(
      namespace,
      held,
      {
        compiled: await compiling,
        scope,
        sort: args.sort,
      },
      options,
    )
    return { offset: 0, ...answer }
  }
  // Index reads are planned with a recent state of the indexes (stateFreshness.ts), so never
  // with one another config dropped; answers from memory or by key need none.
  const indexStateReadAt =
    planned.kind === 'byID' ? undefined : await freshIndexState(adapter, namespace)
  if (indexStateReadAt !== undefined) {
    // Not the indexes that held a document with more values than they have entries for when
    // last read (read/overflowingIndexes.ts; runQuery looks again after every such read).
    const overflowing = hintedOverflowing(adapter, namespace)
    planInput = {
      ...planInput,
      definitions: queryableIndexes(adapter, namespace).filter(
        (definition) => !overflowing.has(definition.name),
      ),
    }
    planned = planQuery(planInput)
  }
  if (planned.kind === 'partition') {
    // `author.name equals 'x'`: the authors' ids narrow the documents through the author index.
    const implied = await relationConditions(scope, args.where)
    if (implied.length > 0) {
      planned = planQuery({ ...planInput, where: { and: [args.where ?? {}, ...implied] } })
      if (planned.kind === 'empty') {
        return nothing(planned)
      }
    }
  }
  const compiled = await compiling
  let plan: Plan = compiled.nearComparator
    ? { descending: false, kind: 'partition', ordered: false, reason: '`near` orders by distance' }
    : planned
  if (plan.kind === 'index' && plan.alternatives) {
    plan = await leastEntriesPlan(adapter, namespace, plan, options.want, options.needsTotal)
  }

  if (options.want === 0 && options.needsTotal && plan.kind === 'index' && plan.exactCount) {
    reportPlan(adapter, namespace, plan)
    return {
      estimate: plainEstimate(adapter, namespace, plan, 0),
      indexStateReadAt,
      offset: 0,
      ordered: [],
      plan,
      totalDocs: await countFromIndex(adapter, namespace, plan, args.where),
    }
  }
  const streams = (candidate: Plan) =>
    candidate.kind === 'index' &&
    candidate.ordered &&
    Number.isFinite(options.want) &&
    (!options.needsTotal || candidate.exactCount || candidate.countRead !== undefined)
  let estimate = plainEstimate(adapter, namespace, plan, options.want)
  // Candidates already in hand (a lookup that found only a few): nothing to weigh.
  let candidateIDs: (number | string)[] | undefined
  if (plan.kind === 'index' && !streams(plan) && !fewCandidates(plan)) {
    candidateIDs = await fewCandidateIDs(adapter, plan)
    if (candidateIDs) {
      estimate = knownCandidatesCost(adapter, namespace, plan, candidateIDs.length)
    } else {
      const weighed = await weighCandidates(adapter, namespace, plan, options.want)
      plan = weighed.plan
      estimate = weighed.estimate ?? estimate
    }
  }
  const streaming = streams(plan)
  reportPlan(adapter, namespace, plan)
  // Documents returned with a `select`: only what it keeps and what the query needs is read.
  const onlyFields =
    options.want === 0 || compiled.nearComparator
      ? undefined
      : projectedFields(namespace.fields, args)
  // Sizes of partial documents would mislead the plan's estimates.
  const observe = (docs: Doc[]) => !onlyFields && observeDocuments(adapter, namespace, docs)
  if (plan.kind === 'partition') {
    // The fallback holds only what the answer needs (see scanPartition).
    const scanned = await scanPartition(
      adapter,
      namespace,
      { compiled, onlyFields, scope, sort: args.sort, where: args.where },
      options,
    )
    observe(scanned.ordered)
    return { estimate, offset: 0, ordered: scanned.ordered, plan, totalDocs: scanned.totalDocs }
  }

  let docs: Doc[]
  let totalDocs: number | undefined
  if (streaming && plan.kind === 'index') {
    // The page and its total are independent reads: sent at once.
    const [page, total] = await Promise.all([
      streamOrdered(adapter, namespace, plan, compiled, options.want, onlyFields),
      !options.needsTotal
        ? undefined
        : plan.countRead
          ? countEntries(adapter, namespace, plan.countRead)
          : countFromIndex(adapter, namespace, plan, args.where),
    ])
    docs = page
    totalDocs = total
  } else {
    docs = await readMovingCandidates(adapter, namespace, plan, compiled, onlyFields, candidateIDs)
    totalDocs = options.needsTotal ? docs.length : undefined
  }
  observe(docs)

  const comparator =
    compiled.nearComparator ??
    (await buildComparator(scope, args.sort, { timestamps: namespace.timestamps }, docs))
  docs.sort(comparator)
  return { estimate, indexStateReadAt, offset: 0, ordered: docs, plan, totalDocs }
}

/** A unique index pinned to a few values holds at most one entry per value: nothing to weigh. */
function fewCandidates(plan: Extract<Plan, { kind: 'index' }>): boolean {
  return plan.reads.every((read) => read.points && read.definition.unique)
}
