import type { ItemKey } from '../keys/itemKeys.js'

import { batchGetItems, type ItemReader } from './documentStore.js'

type Store = Parameters<typeof batchGetItems>[0]

type Waiting = {
  consistentRead: boolean
  keys: ItemKey[]
  reject: (error: unknown) => void
  resolve: (found: Map<string, Record<string, unknown>>) => void
}

/**
 * A reader for the independent checks of one write (relationship references, unique values):
 * every read asked of it in the same turn of the event loop goes out as one BatchGetItem, where
 * each check alone would send its own request. Each request costs the SDK's own work once more
 * (docs/benchmarks.md), whatever it reads; the capacity is the same.
 */
export function readTogether(adapter: Store): ItemReader {
  let waiting: Waiting[] = []
  const flush = () => {
    const batch = waiting
    waiting = []
    for (const consistentRead of [true, false]) {
      const group = batch.filter((each) => each.consistentRead === consistentRead)
      if (group.length === 0) {
        continue
      }
      const keys = new Map(
        group.flatMap((each) => each.keys).map((key) => [`${key.pk}\u0000${key.sk}`, key]),
      )
      batchGetItems(adapter, [...keys.values()], consistentRead).then(
        (found) => group.forEach((each) => each.resolve(found)),
        (error: unknown) => group.forEach((each) => each.reject(error)),
      )
    }
  }
  return (keys, consistentRead) => {
    if (keys.length === 0) {
      return Promise.resolve(new Map())
    }
    return new Promise((resolve, reject) => {
      if (waiting.length === 0) {
        // After the promise continuations of this turn: a check started just after another
        // (past an `await` of work already done) still joins its request.
        setImmediate(flush)
      }
      waiting.push({ consistentRead, keys, reject, resolve })
    })
  }
}
