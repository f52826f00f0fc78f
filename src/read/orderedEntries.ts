import type { IndexRead, KeyOrdering } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { VALUE_TERMINATOR } from '../keys/orderedValue.js'
import { compareKeys } from '../query/plan/indexRanges.js'
import { type IndexEntryRow, iterateIndexRange } from '../storage/indexStore.js'

/**
 * The part of an entry key that orders it: components `[from, to)` (values, then createdAt; the
 * encoding never puts the terminator inside a component, see keys/orderedValue.ts).
 */
export function orderKeyOf(sk: string, ordering: KeyOrdering): string {
  return sk.split(VALUE_TERMINATOR).slice(ordering.from, ordering.to).join(VALUE_TERMINATOR)
}

type Source = { buffer: IndexEntryRow[]; done: boolean; pages: AsyncIterator<IndexEntryRow[]> }

async function refill(source: Source): Promise<void> {
  while (source.buffer.length === 0 && !source.done) {
    const next = await source.pages.next()
    if (next.done) {
      source.done = true
    } else {
      source.buffer.push(...next.value)
    }
  }
}

/**
 * The entries of every range of `reads`, merged into one stream in the order the key components
 * of `ordering` give (each range is already in that order, see planQuery's `orderingOf`), each
 * document once. Ranges are read lazily, `pageSize` entries at a time, their first pages in
 * parallel: a page of an `in` list costs one short Query per value, not the values' entries.
 */
export async function* orderedEntries(
  adapter: DynamoDBAdapter,
  reads: IndexRead[],
  options: { descending: boolean; ordering: KeyOrdering; pageSize: number },
): AsyncGenerator<IndexEntryRow> {
  const sources: Source[] = reads.flatMap((read) =>
    read.ranges.map((range) => ({
      buffer: [],
      done: false,
      pages: iterateIndexRange(adapter, read.pk, range, {
        descending: options.descending,
        pageSize: options.pageSize,
      })[Symbol.asyncIterator](),
    })),
  )
  const direction = options.descending ? -1 : 1
  const seen = new Set<string>()
  try {
    for (;;) {
      // Only a range whose buffer ran out is read on, and only when another entry is wanted.
      await Promise.all(sources.map(refill))
      let best: Source | undefined
      let bestKey = ''
      for (const source of sources) {
        if (source.buffer.length === 0) {
          continue
        }
        const key = orderKeyOf(source.buffer[0].sk, options.ordering)
        if (!best || compareKeys(key, bestKey) * direction < 0) {
          best = source
          bestKey = key
        }
      }
      if (!best) {
        return
      }
      const row = best.buffer.shift() as IndexEntryRow
      // A multi-valued field has an entry per value: its document comes once, at its first.
      const id = String(row.id)
      if (!seen.has(id)) {
        seen.add(id)
        yield row
      }
    }
  } finally {
    // Stops the range readers still open (the consumer broke off once its page was full).
    for (const source of sources) {
      await source.pages.return?.(undefined)
    }
  }
}
