import { AsyncLocalStorage } from 'node:async_hooks'
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb'

/** Running totals of the DynamoDB requests made through one client. */
export class RequestStats {
  /** Items DynamoDB read to answer (ScannedCount of queries, items of gets). */
  itemsRead = 0
  readCapacityUnits = 0
  requests = 0
  requestsByCommand: Record<string, number> = {}
  writeCapacityUnits = 0

  record(
    command: string,
    consumed: ConsumedCapacity | ConsumedCapacity[] | undefined,
    itemsRead = 0,
  ): void {
    this.requests += 1
    this.itemsRead += itemsRead
    this.requestsByCommand[command] = (this.requestsByCommand[command] ?? 0) + 1
    const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : []
    for (const entry of list) {
      this.readCapacityUnits += entry.ReadCapacityUnits ?? 0
      this.writeCapacityUnits += entry.WriteCapacityUnits ?? 0
      // Some responses only report the total.
      if (entry.ReadCapacityUnits === undefined && entry.WriteCapacityUnits === undefined) {
        const total = entry.CapacityUnits ?? 0
        if (/Get|Query|Scan/.test(command)) {
          this.readCapacityUnits += total
        } else {
          this.writeCapacityUnits += total
        }
      }
    }
  }

  reset(): void {
    this.itemsRead = 0
    this.readCapacityUnits = 0
    this.requests = 0
    this.requestsByCommand = {}
    this.writeCapacityUnits = 0
  }

  snapshot(): {
    itemsRead: number
    rcu: number
    requests: number
    requestsByCommand: Record<string, number>
    wcu: number
  } {
    return {
      itemsRead: this.itemsRead,
      rcu: this.readCapacityUnits,
      requests: this.requests,
      requestsByCommand: { ...this.requestsByCommand },
      wcu: this.writeCapacityUnits,
    }
  }
}

/** Extra recorders active for the current async call chain (used by `explain`). */
const scoped = new AsyncLocalStorage<RequestStats[]>()

/** Runs `work` with `recorder` also receiving every request made on its behalf. */
export function withRequestRecorder<T>(recorder: RequestStats, work: () => Promise<T>): Promise<T> {
  const active = scoped.getStore() ?? []
  return scoped.run([...active, recorder], work)
}

export function activeRecorders(): RequestStats[] {
  return scoped.getStore() ?? []
}

/**
 * Runs `work` with no extra recorder: requests the process makes for itself rather than for the
 * query being served (a refresh of the index state), which the adapter's own stats still count.
 */
export function withoutRequestRecorders<T>(work: () => Promise<T>): Promise<T> {
  return scoped.run([], work)
}
