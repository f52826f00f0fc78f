import type { Sort, Where } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { CompiledWhere } from '../query/compileWhere.js'
import type { Doc, QueryScope } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { buildComparator } from '../query/compileSort.js'
import { pushWhere } from '../query/pushdown/pushWhere.js'
import { renderFilter } from '../query/pushdown/renderFilter.js'
import { iteratePartition } from '../storage/documentStore.js'
import { BoundedTopK } from '../utilities/boundedTopK.js'
import { fieldsNamedBy } from './projection.js'

export type ScanQuery = {
  compiled: CompiledWhere
  /** Only these top-level fields of the documents returned (see `projectedFields`). */
  onlyFields?: string[]
  scope: QueryScope
  sort?: Sort
  where?: Where
}

/**
 * What the caller needs: the first `want` matches (all when infinite) and their count, or, with
 * `fold` and `want` infinite, every match handed over page by page and nothing kept.
 */
export type KeepOptions = {
  fold?: (matches: Doc[]) => Promise<void>
  needsTotal: boolean
  want: number
}

export type ScanResult = {
  /** All matches in order, or (when `want` is finite) the first `want` of them. */
  ordered: Doc[]
  /** Every match counted, when asked for. */
  totalDocs?: number
}

/**
 * The fallback for queries no index serves: reads the namespace's partition page by page and
 * keeps only what the answer needs, so memory follows DynamoDB's page (1 MB) and `want`, not the
 * collection: the first `want` matches in the query's order (a bounded top-k) and a running
 * count. With `want` infinite every match is returned (the caller asked for them all).
 */
export async function scanPartition(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  query: ScanQuery,
  options: KeepOptions,
): Promise<ScanResult> {
  const { scope } = query
  // What DynamoDB can check itself stays on its side; the evaluator still decides.
  const pushed = pushWhere({ fields: scope.fields, payload: scope.payload }, query.where)
  // A count only evaluates documents: only the fields its conditions name (and, under
  // `locale: 'all'`, those that tell the locales) are read.
  const read = {
    filter: pushed ? renderFilter(pushed) : undefined,
    onlyFields:
      options.want === 0
        ? fieldsNamedBy(scope.fields, query.where, scope.locale)
        : query.onlyFields,
  }
  return keepMatches(
    namespace,
    query,
    options,
    (async function* () {
      for await (const page of iteratePartition(adapter, namespace.pk, read)) {
        yield page.docs
      }
    })(),
  )
}

/**
 * Keeps what the answer needs from pages of documents (read from the partition, or held in
 * memory): every match in order when `want` is infinite (or each page's matches handed to
 * `fold`, in the pages' order, keeping none), else the first `want` matches in the query's order
 * (a bounded top-k) and a running count.
 */
export async function keepMatches(
  namespace: Namespace,
  query: Pick<ScanQuery, 'compiled' | 'scope' | 'sort'>,
  options: KeepOptions,
  pages: AsyncIterable<Doc[]> | Iterable<Doc[]>,
): Promise<ScanResult> {
  const { compiled, scope, sort } = query
  // A relationship sort looks up the related documents of the documents it is built for, so a
  // comparator orders only those: it is built again for what is kept plus each page's matches.
  const comparatorFor = async (docs: Doc[]) =>
    compiled.nearComparator ??
    (await buildComparator(scope, sort, { timestamps: namespace.timestamps }, docs))

  if (!Number.isFinite(options.want) && options.fold) {
    for await (const docs of pages) {
      await options.fold(docs.filter(compiled.matches))
    }
    return { ordered: [] }
  }
  if (!Number.isFinite(options.want)) {
    const matches: Doc[] = []
    for await (const docs of pages) {
      matches.push(...docs.filter(compiled.matches))
    }
    matches.sort(await comparatorFor(matches))
    return { ordered: matches, totalDocs: matches.length }
  }

  let kept = new BoundedTopK<Doc>(Math.max(0, Math.floor(options.want)), () => 0)
  let counted = 0
  for await (const docs of pages) {
    const matches = docs.filter(compiled.matches)
    counted += matches.length
    if (kept.capacity === 0 || matches.length === 0) {
      continue
    }
    kept = kept.withComparator(await comparatorFor([...kept.items(), ...matches]))
    matches.forEach((doc: Doc) => kept.offer(doc))
  }
  return { ordered: kept.sorted(), totalDocs: options.needsTotal ? counted : undefined }
}
