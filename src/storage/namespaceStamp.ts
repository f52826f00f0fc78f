import { randomUUID } from 'node:crypto'

import type { Namespace } from '../namespaces.js'
import type { WriteAction } from '../transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../types.js'

import { COUNTER_SK, counterKey, STAMP_ATTRIBUTE, WRITES_ATTRIBUTE } from '../keys/counterKey.js'
import { consistentReader } from './consistentReader.js'
import { queryRange } from './indexStore.js'

type Store = Pick<DynamoDBAdapter, 'docClient' | 'stats' | 'tableName'>

/** One counter item as the stamp sees it. */
export type CounterState = { count: number; sk: string; stamp: string; writes: number }

/** What a namespace's counter items say: how many documents it holds and whether it changed. */
export type NamespaceStamp = {
  count: number
  /** The items, in key order. */
  items: CounterState[]
  /**
   * Every counter item's key, count, number of writes and stamp. Any write of the namespace's
   * documents changes it (a new unique stamp on one of the items, in the write's own
   * transaction), and it never returns to an earlier value: equal stamps mean no write was
   * committed in between.
   */
  stamp: string
}

/**
 * Reads the namespace's counter items (the base one and its shards): one strongly consistent
 * Query of a few small items, whatever the namespace's size.
 */
export async function readStamp(adapter: Store, namespacePK: string): Promise<NamespaceStamp> {
  const items: CounterState[] = []
  const range = { from: COUNTER_SK, to: `${COUNTER_SK}\uffff` }
  // Strongly consistent whatever `consistentRead` says: callers compare it with a later read.
  const reader = consistentReader(adapter)
  for await (const page of queryRange(reader, namespacePK, range, {})) {
    for (const item of page.Items ?? []) {
      items.push({
        count: typeof item.count === 'number' ? item.count : 0,
        sk: String(item.sk),
        stamp: String(item[STAMP_ATTRIBUTE] ?? ''),
        writes: typeof item[WRITES_ATTRIBUTE] === 'number' ? item[WRITES_ATTRIBUTE] : 0,
      })
    }
  }
  // As stored: a counter that drifted below zero is reported so (verifyIndexes shows it).
  const count = items.reduce((sum, item) => sum + item.count, 0)
  return { count, items, stamp: stampOf(items) }
}

/** The stamp of counter items (in key order). */
export function stampOf(items: CounterState[]): string {
  // A shard that no write has moved yet (created by a version bump, indexRecord.ts) is as absent.
  return items
    .filter((item) => item.writes !== 0 || item.count !== 0 || item.stamp !== '')
    .map((item) => `${item.sk}=${item.count}/${item.writes}/${item.stamp}`)
    .join(',')
}

/** The counter items after one write moved its shard (`ADD count`, `SET stamp`, `ADD writes 1`). */
export function stampAfter(
  items: CounterState[],
  write: { amount: number; counter: { sk: string }; stamp: string },
): CounterState[] {
  const moved = items.find((item) => item.sk === write.counter.sk)
  const next = items.filter((item) => item !== moved)
  next.push({
    count: (moved?.count ?? 0) + write.amount,
    sk: write.counter.sk,
    stamp: write.stamp,
    writes: (moved?.writes ?? 0) + 1,
  })
  // DynamoDB orders sort keys by bytes; counter keys are ASCII, where that is code-unit order.
  return next.sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0))
}

/**
 * An action that only stamps one of the namespace's counter shards, for writes that change its
 * document items outside the write path (an index build marking documents counted).
 */
export function stampAction(
  adapter: Pick<DynamoDBAdapter, 'counterShards'>,
  namespace: Namespace,
): WriteAction {
  const shard = Math.floor(Math.random() * adapter.counterShards)
  return {
    amount: 0,
    attribute: 'count',
    key: counterKey(namespace.pk, shard),
    stamp: randomUUID(),
    type: 'add',
  }
}
