import { appendFileSync } from 'node:fs'

import type { RequestStats } from '../storage/requestStats.js'
import type { Namespace } from '../namespaces.js'
import type { Plan } from '../query/plan/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { indexesOf } from '../indexes/registry.js'

const reported = new WeakMap<DynamoDBAdapter, Set<string>>()

/** A one-line description of a plan, for logs and `explain`. */
export function describePlan(namespace: Namespace, plan: Plan): string {
  switch (plan.kind) {
    case 'byID':
      return `${namespace.slug}: fetch ${plan.ids.length} document(s) by id`
    case 'index': {
      const direction = plan.descending ? 'descending' : 'ascending'
      // Ordered by the indexed value itself (a walk in sort order), or, within each value read,
      // by what follows it in the key (createdAt, or a compound index's next part).
      const order = !plan.ordered
        ? ''
        : (plan.ordering?.from ?? 0) === 0
          ? ` in ${direction} order`
          : `, each value in ${direction} sort order`
      return `${namespace.slug}: index ${plan.reads.map((read) => read.definition.name).join(' | ')}${order}${
        plan.exactCount
          ? ', counted from the index'
          : plan.countRead
            ? `, counted from index ${plan.countRead.definition.name}`
            : ''
      }`
    }
    case 'empty':
      return `${namespace.slug}: nothing can match (${plan.reason}); no request made`
    default:
      if (plan.held) {
        return plan.reason === 'held in memory'
          ? `${namespace.slug}: answered from its documents held in memory (its counter items show no write since they were read)`
          : plan.reason === 'held in memory, leased'
            ? `${namespace.slug}: answered from its documents held in memory under this process's read lease (no other process writes it meanwhile); no request made`
            : `${namespace.slug}: read the collection partition, to be held in memory`
      }
      return `${namespace.slug}: read the collection partition (${plan.reason ?? 'no index'})`
  }
}

/** Whether queries should be traced (debug logging on, or DYNAMODB_PLAN_LOG naming a file). */
export function planTracing(adapter: DynamoDBAdapter): boolean {
  return Boolean(process.env.DYNAMODB_PLAN_LOG) || adapter.payload.logger.isLevelEnabled('debug')
}

/**
 * Logs a query's plan with the requests and capacity it took, at debug level; with
 * DYNAMODB_PLAN_LOG set, also appends `kind<TAB>requests<TAB>rcu<TAB>description` to that file
 * (how the conformance suites show which plans their queries got).
 */
export function tracePlan(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Plan,
  stats: RequestStats,
): void {
  const { rcu, requests } = stats.snapshot()
  const description = describePlan(namespace, plan)
  adapter.payload.logger.debug({
    msg: `dynamodb query: ${description}; ${requests} requests, ${rcu} RCU`,
  })
  if (process.env.DYNAMODB_PLAN_LOG) {
    appendFileSync(
      process.env.DYNAMODB_PLAN_LOG,
      `${plan.kind}\t${requests}\t${rcu}\t${description}\n`,
    )
  }
}

/**
 * Logs, once per field, a line when a query had to read a whole
 * namespace and an index on a field that has none would have served it (turn off with `logFallbackQueries: false`).
 */
export function reportPlan(adapter: DynamoDBAdapter, namespace: Namespace, plan: Plan): void {
  if (plan.kind !== 'partition' || !plan.suggestedIndex || !adapter.logFallbackQueries) {
    return
  }
  const suggested = plan.suggestedIndex
  if (indexesOf(adapter, namespace).some((definition) => definition.parts[0].path === suggested)) {
    // Indexed already: its operator (`not_equals`, `exists`, ...) is one no index serves, so
    // `index: true` would change nothing (an index not built yet is reported where it is skipped).
    return
  }
  const seen = reported.get(adapter) ?? new Set<string>()
  reported.set(adapter, seen)
  const key = `${namespace.kind}:${namespace.slug}:${plan.suggestedIndex}`
  if (seen.has(key)) {
    return
  }
  seen.add(key)
  adapter.payload.logger.info({
    msg: `payload-db-dynamodb: a query on "${namespace.slug}" read every document (${plan.reason}); \`index: true\` on field "${plan.suggestedIndex}" would serve it.`,
  })
}
