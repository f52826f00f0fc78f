import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'
import type { IndexDefinition } from './definitionTypes.js'

import { VALUE_TERMINATOR } from '../keys/orderedValue.js'
import { consistentReader } from '../storage/consistentReader.js'
import { iterateIndexRange } from '../storage/indexStore.js'
import { localesFor } from './entries.js'
import { countedIndexes, countedValues, counterPartition, type Epochs } from './valueCounters.js'

/**
 * A value whose counter disagrees with the documents (`sk` is the encoded value); `firstShard`
 * is what its first shard holds (none: no such item).
 */
export type CounterDrift = {
  counted: number
  documents: number
  firstShard?: number
  pk: string
  sk: string
}

/** Tallies, document by document, what every value counter of built indexes should hold. */
export class ExpectedValueCounts {
  private readonly counts = new Map<string, number>()

  constructor(
    private readonly namespace: Namespace,
    private readonly definitions: IndexDefinition[],
    private readonly locales: string[],
    private readonly epochs: Epochs,
  ) {}

  add(doc: Doc): void {
    for (const definition of countedIndexes(this.definitions)) {
      for (const value of countedValues(
        this.namespace,
        definition,
        this.locales,
        doc,
        this.epochs,
      )) {
        this.counts.set(value, (this.counts.get(value) ?? 0) + 1)
      }
    }
  }

  /** Reads the stored counters (shards summed) and lists every value that is off. */
  async drift(adapter: DynamoDBAdapter): Promise<CounterDrift[]> {
    // A stale counter would be reported, and repaired, as drift.
    const reader = consistentReader(adapter)
    const stored = new Map<string, number>()
    const firstShards = new Map<string, number>()
    for (const definition of countedIndexes(this.definitions)) {
      for (const locale of localesFor(definition, this.locales)) {
        const pk = counterPartition(
          this.namespace,
          definition,
          locale,
          this.epochs.get(definition.name),
        )
        for await (const rows of iterateIndexRange(
          reader,
          pk,
          { from: '\u0000', to: '\uffff' },
          { descending: false },
        )) {
          for (const row of rows as unknown as { count?: unknown; sk: string }[]) {
            // The key is the encoded value and a shard number.
            const value = row.sk.slice(0, row.sk.lastIndexOf(VALUE_TERMINATOR) + 2)
            const name = `${pk}\u0000${value}`
            const count = typeof row.count === 'number' ? row.count : 0
            stored.set(name, (stored.get(name) ?? 0) + count)
            if (row.sk === `${value}0`) {
              firstShards.set(name, count)
            }
          }
        }
      }
    }
    const drift: CounterDrift[] = []
    for (const name of new Set([...stored.keys(), ...this.counts.keys()])) {
      const counted = stored.get(name) ?? 0
      const documents = this.counts.get(name) ?? 0
      if (counted !== documents) {
        const [pk, sk] = name.split('\u0000')
        drift.push({ counted, documents, firstShard: firstShards.get(name), pk, sk })
      }
    }
    return drift
  }
}
