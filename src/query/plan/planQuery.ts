import type { Where } from 'payload'

import type { IndexDefinition } from '../../indexes/definitions.js'
import type { Namespace } from '../../namespaces.js'
import type { Condition } from './conditions.js'
import type { IndexPlan, IndexRead, KeyOrdering, Plan } from './types.js'

import { requiredIDs } from '../../read/idConstraint.js'
import { indexPartition } from '../../indexes/entries.js'
import { wellFormedValues } from '../../utilities/wellFormed.js'
import { primarySort, requiredConditions } from './conditions.js'
import {
  type IndexableCondition,
  invertedRange,
  orderedLikeValues,
  rangesFor,
  wholeIndex,
} from './indexRanges.js'

export type PlanInput = {
  definitions: IndexDefinition[]
  /** The locale index entries are read for (the query's, or the default locale). */
  locale?: string
  namespace: Namespace
  /** Whether the caller needs `totalDocs` (a paginated find or a count). */
  needsTotal: boolean
  /** How many leading matches the caller needs (Infinity: all of them). */
  want: number
  sort?: string | string[]
  where?: Where
}

type Candidate = IndexableCondition & {
  definition: IndexDefinition
  /** When the index reads the candidates in the query's order: the key components giving it. */
  ordering?: KeyOrdering
}

/**
 * Whether reading `found`'s ranges of `definition` yields entries in the order of `sort`:
 * by the value itself (a single-valued field sorted by), or, when every range pins one value,
 * by what follows it in the key: the next part of a compound index, or createdAt (every entry
 * key ends with the document's createdAt, so the default order of a list comes out of an
 * equality's range as it is).
 */
function orderingOf(
  definition: IndexDefinition,
  found: IndexableCondition,
  sortPath: string,
): KeyOrdering | undefined {
  const [first, second] = definition.parts
  if (
    definition.parts.length === 1 &&
    first.path === sortPath &&
    !first.multiValued &&
    orderedLikeValues(first)
  ) {
    return { from: 0, to: 1 }
  }
  if (!found.points) {
    return undefined
  }
  if (second && second.path === sortPath && !second.multiValued && orderedLikeValues(second)) {
    return { from: 1, to: 2 }
  }
  if (!second && sortPath === 'createdAt') {
    return { from: 1, to: 2 }
  }
  return undefined
}

/**
 * Only the leading part of an index can be searched; later parts only refine the order. Shorter
 * indexes first, and of two on one field the one holding latest versions only (fewer entries).
 */
function indexesOn(definitions: IndexDefinition[], path: string): IndexDefinition[] {
  return definitions
    .filter((definition) => definition.parts[0].path === path)
    .sort(
      (a, b) => a.parts.length - b.parts.length || Number(!a.onlyLatest) - Number(!b.onlyLatest),
    )
}

/** `latest equals true`: what every match of a query needs for a latest-only index to serve it. */
function requiresLatest(condition: Condition): boolean {
  return (
    condition.path === 'latest' &&
    condition.operator === 'equals' &&
    (condition.value === true || condition.value === 'true')
  )
}

function readOf(
  input: PlanInput,
  definition: IndexDefinition,
  ranges: IndexRead['ranges'],
): IndexRead {
  const locale = definition.parts.some((part) => part.localized) ? input.locale : undefined
  return { definition, locale, pk: indexPartition(input.namespace, definition, locale), ranges }
}

function usable(definition: IndexDefinition, input: PlanInput): boolean {
  // A localized index needs a concrete locale to pick its partition, one it keeps entries for
  // (Payload passes an unconfigured locale through: no entries, though every document matches).
  if (!definition.parts.some((part) => part.localized)) {
    return true
  }
  const { locale } = input
  return locale !== undefined && locale !== '' && (definition.locales?.includes(locale) ?? true)
}

/** An index on the sort field alone, whose whole read gives the sort order. */
function singleSortIndex(
  input: PlanInput,
  definitions: IndexDefinition[],
  sortPath: string,
): IndexDefinition | undefined {
  return indexesOn(definitions, sortPath).find(
    (definition) =>
      definition.parts.length === 1 &&
      !definition.parts[0].multiValued &&
      orderedLikeValues(definition.parts[0]) &&
      usable(definition, input),
  )
}

/** The plan that reads `candidate`'s ranges, each candidate then checked against the query. */
function indexPlan(
  input: PlanInput,
  candidate: Candidate,
  conditions: Condition[],
  hasOrs: boolean,
  sort: { descending: boolean; path: string },
): IndexPlan {
  // The ranges capture every condition on their path (see rangesFor): with no condition on
  // another path, every entry read is a match and the entries can be counted.
  const path = candidate.definition.parts[0].path
  const covered = (condition: Condition) =>
    condition.path === path ||
    (candidate.definition.onlyLatest === true && requiresLatest(condition))
  const onlyCondition = !hasOrs && conditions.every(covered)
  const exactCount = onlyCondition && candidate.exact
  const sortIndex =
    candidate.ordering === undefined && Number.isFinite(input.want) && input.want > 0
      ? singleSortIndex(input, input.definitions, sort.path)
      : undefined
  return {
    descending: sort.descending,
    exactCount,
    kind: 'index',
    ordered: candidate.ordering !== undefined,
    ordering: candidate.ordering,
    reads: [{ ...readOf(input, candidate.definition, candidate.ranges), points: candidate.points }],
    // The page may come from the sort field's index instead, its total from these entries.
    sortWalk:
      sortIndex && (exactCount || !input.needsTotal)
        ? readOf(input, sortIndex, wholeIndex())
        : undefined,
  }
}

/**
 * Picks how to read the documents of one query. See docs/design.md, "Query planning".
 * An index plan never holds a range whose bounds cross (DynamoDB rejects such a `BETWEEN`):
 * those hold nothing, and a plan left with no range at all is an `empty` one.
 */
export function planQuery(input: PlanInput): Plan {
  // Values as the evaluator compares them (compileWhere.ts) and as the indexes hold them.
  const plan = choosePlan({ ...input, where: wellFormedValues(input.where) })
  if (plan.kind !== 'index') {
    return plan
  }
  const reads = plan.reads
    .map((read) => ({ ...read, ranges: read.ranges.filter((range) => !invertedRange(range)) }))
    .filter((read) => read.ranges.length > 0)
  return reads.length > 0
    ? { ...plan, reads }
    : { kind: 'empty', reason: 'every key range is empty' }
}

/** `author.id` names the relationship's own value (paths.ts): planned as `author` is. */
function ownValuePath(path: string, definitions: IndexDefinition[]): string {
  const base = path.endsWith('.id') ? path.slice(0, -'.id'.length) : undefined
  const relationship = definitions.some(({ parts }) =>
    parts.some((part) => part.path === base && part.kind === 'relationship'),
  )
  return base && relationship ? base : path
}

function choosePlan(asked: PlanInput): Plan {
  const required = requiredConditions(asked.where)
  const ors = required.ors
  const conditions = required.conditions.map((condition) => ({
    ...condition,
    path: ownValuePath(condition.path, asked.definitions),
  }))
  // Latest-only indexes hold no entry for older versions, which a query may want unless it
  // requires `latest equals true`.
  const latest = conditions.some(requiresLatest)
  const input = {
    ...asked,
    definitions: asked.definitions.filter((definition) => latest || !definition.onlyLatest),
  }
  const { definitions, namespace } = input
  const emptyIn = conditions.find(
    ({ operator, value }) => operator === 'in' && Array.isArray(value) && value.length === 0,
  )
  if (emptyIn) {
    // `in: []` holds for no value, whatever the field (the evaluator agrees: see operators/).
    return { kind: 'empty', path: emptyIn.path, reason: `"${emptyIn.path}" \`in\` an empty list` }
  }
  const ids = requiredIDs(input.where)
  if (ids) {
    return ids.length > 0
      ? { ids, kind: 'byID' }
      : { kind: 'empty', path: 'id', reason: 'no id is allowed' }
  }
  const sort = primarySort(input.sort, namespace.timestamps)

  const byPath = new Map<string, Condition[]>()
  for (const condition of conditions) {
    byPath.set(condition.path, [...(byPath.get(condition.path) ?? []), condition])
  }

  const candidates: Candidate[] = []
  for (const [path, pathConditions] of byPath) {
    for (const definition of indexesOn(definitions, path)) {
      if (!usable(definition, input)) {
        continue
      }
      const found = rangesFor(definition.parts[0], pathConditions)
      if (found) {
        candidates.push({
          ...found,
          // A later part with several values gives a document an entry per combination: its
          // entries cannot be counted as documents.
          exact: found.exact && !definition.parts.slice(1).some((part) => part.multiValued),
          definition,
          ordering: orderingOf(definition, found, sort.path),
        })
      }
    }
  }
  // The most selective conditions first; among equals, an index giving the order, then the
  // smallest index (indexesOn lists shorter ones first and the sort is stable).
  candidates.sort(
    (a, b) => b.selectivity - a.selectivity || Number(!!b.ordering) - Number(!!a.ordering),
  )
  const best = candidates[0]
  if (best && best.ranges.length === 0) {
    const path = best.definition.parts[0].path
    return { kind: 'empty', path, reason: `"${path}": ${best.why ?? 'nothing can match'}` }
  }
  if (best) {
    // Other equalities (`parent equals X` beside `_status equals 'draft'`) may hold far fewer
    // entries than the first: the reader counts them and takes the smallest (weighPlan.ts).
    const seen = new Set([best.definition.parts[0].path])
    const alternatives = candidates.slice(1).filter((candidate) => {
      const path = candidate.definition.parts[0].path
      const fresh = best.points && candidate.points && !seen.has(path)
      seen.add(path)
      return fresh && candidate.ranges.length > 0
    })
    const plan = indexPlan(input, best, conditions, ors.length > 0, sort)
    return alternatives.length === 0
      ? plan
      : {
          ...plan,
          alternatives: alternatives.map((candidate) =>
            indexPlan(input, candidate, conditions, ors.length > 0, sort),
          ),
        }
  }

  // An `or` of indexable branches: the union of each branch's candidates (any other condition,
  // none of them indexed, is checked on what the union reads, like every condition).
  for (const or of ors) {
    const reads: IndexRead[] = []
    let indexed = true
    for (const branch of or) {
      const sub = planQuery({
        ...input,
        needsTotal: false,
        want: Number.POSITIVE_INFINITY,
        where: branch,
      })
      if (sub.kind === 'empty') {
        continue // a branch that matches nothing adds nothing to the union
      }
      if (sub.kind !== 'index') {
        indexed = false
        break
      }
      reads.push(...sub.reads)
    }
    if (indexed && or.length > 0 && reads.length === 0) {
      return { kind: 'empty', reason: 'no branch of the `or` can match' }
    }
    if (indexed && reads.length > 0) {
      return {
        descending: sort.descending,
        exactCount: false,
        kind: 'index',
        ordered: false,
        reads,
      }
    }
  }

  const nothingToFilter = conditions.length === 0 && ors.length === 0
  // No condition is indexed: an index on the sort field still gives the order, which pays off
  // when the page can be cut early (nothing to filter, or no total needed).
  if (Number.isFinite(input.want) && (nothingToFilter || !input.needsTotal)) {
    const sortIndex = singleSortIndex(input, definitions, sort.path)
    if (sortIndex) {
      return {
        descending: sort.descending,
        exactCount: nothingToFilter,
        kind: 'index',
        ordered: true,
        ordering: { from: 0, to: 1 },
        reads: [readOf(input, sortIndex, wholeIndex())],
      }
    }
  }
  const idOrder = sort.path === 'id' && namespace.idType === 'text'
  if (nothingToFilter && !Number.isFinite(input.want)) {
    // Every document is wanted: one read of the partition is the cheapest plan there is.
    return {
      descending: sort.descending,
      kind: 'partition',
      ordered: idOrder,
      reason: 'every document is wanted',
    }
  }
  const suggested = conditions.find((condition) => condition.path !== 'id')?.path
  return {
    descending: sort.descending,
    kind: 'partition',
    ordered: idOrder,
    reason: nothingToFilter ? `no index on sort field "${sort.path}"` : 'no indexed condition',
    suggestedIndex: nothingToFilter ? sort.path : suggested,
  }
}
