/**
 * The mixed Local-API workload, timed on @payloadcms/db-sqlite and on this adapter in the same
 * run: 220 creates, then list pages and counts. Both lanes run the same operations one after the
 * other (never at once) and must give the same answers.
 */
import type { DatabaseAdapterObj, Payload } from 'payload'

import { sqliteAdapter } from '@payloadcms/db-sqlite'
import { randomUUID } from 'node:crypto'
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter } from '../src/index.js'

import { dynamodbAdapter } from '../src/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../test/support/dynamodbLocal.mjs'
import { median } from './measure.js'
import {
  createOperations,
  type Lane,
  type Operation,
  queryOperations,
  workloadCollections,
} from './workloadOperations.js'

export type KindTotals = {
  count: number
  latencies: number[]
  rcu: number
  requests: number
  totalMs: number
  wcu: number
}

export type LaneResult = { answers: string[]; byKind: Record<string, KindTotals> }

export type WorkloadResult = {
  dynamodb: LaneResult
  /** The same operations on the adapter with `readCache: false` (index and partition reads). */
  uncached: LaneResult
  /** Operations whose answers differ between the adapters (index, both answers). */
  mismatches: { describe: string; dynamodb: string; index: number; sqlite: string }[]
  sqlite: LaneResult
}

async function bootLane(db: DatabaseAdapterObj, key: string): Promise<Payload> {
  const config = await buildConfig({
    collections: workloadCollections(),
    db,
    secret: 'bench-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  return getPayload({ config, key })
}

async function play(
  payload: Payload,
  operations: Operation[],
  stats?: DynamoDBAdapter['stats'],
): Promise<LaneResult> {
  const lane: Lane = { authorIDs: [], payload, tagIDs: [] }
  const byKind: Record<string, KindTotals> = {}
  const answers: string[] = []
  for (const operation of operations) {
    const totals = (byKind[operation.kind] ??= {
      count: 0,
      latencies: [],
      rcu: 0,
      requests: 0,
      totalMs: 0,
      wcu: 0,
    })
    const before = stats?.snapshot()
    const started = performance.now()
    answers.push(await operation.run(lane))
    const elapsed = performance.now() - started
    totals.count++
    totals.latencies.push(elapsed)
    totals.totalMs += elapsed
    if (stats && before) {
      const after = stats.snapshot()
      totals.requests += after.requests - before.requests
      totals.rcu += after.rcu - before.rcu
      totals.wcu += after.wcu - before.wcu
    }
  }
  return { answers, byKind }
}

/**
 * Runs the workload: `pairs` finds and as many counts after the creates. The adapter talks to
 * DynamoDB Local directly (no proxy in the timed path); its request statistics give the requests
 * and capacity. Returns the DynamoDB lane's Payload (for the per-operation profile) still open.
 */
export async function runMixedWorkload(
  endpoint: string,
  pairs: number,
): Promise<{ close: () => Promise<void>; payload: Payload; result: WorkloadResult }> {
  const operations = [...createOperations(), ...queryOperations(pairs)]
  const file = join(tmpdir(), `bench-sqlite-${randomUUID()}.db`)
  const sqlite = await bootLane(
    sqliteAdapter({ client: { url: `file:${file}` }, push: true }),
    'bench-sqlite',
  )
  const dynamoLaneOf = (readCache: boolean) =>
    bootLane(
      dynamodbAdapter({
        clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
        logFallbackQueries: false,
        readCache: readCache ? undefined : false,
        tableName: `bench-mixed-${randomUUID()}`,
      }),
      `bench-mixed-dynamodb-${readCache}`,
    )
  const [dynamodb, uncached] = [await dynamoLaneOf(true), await dynamoLaneOf(false)]
  const statsOf = (payload: Payload) => (payload.db as unknown as DynamoDBAdapter).stats
  const sqliteLane = await play(sqlite, operations)
  const dynamoLane = await play(dynamodb, operations, statsOf(dynamodb))
  const uncachedLane = await play(uncached, operations, statsOf(uncached))
  await uncached.destroy()
  await sqlite.destroy()
  rmSync(file, { force: true })
  const mismatches = sqliteLane.answers.flatMap((answer, index) =>
    answer === dynamoLane.answers[index]
      ? []
      : [
          {
            describe: operations[index].describe,
            dynamodb: dynamoLane.answers[index],
            index,
            sqlite: answer,
          },
        ],
  )
  return {
    close: () => dynamodb.destroy(),
    payload: dynamodb,
    result: { dynamodb: dynamoLane, mismatches, sqlite: sqliteLane, uncached: uncachedLane },
  }
}

/** The workload's table for the adapter as configured, then with `readCache: false`. */
export function workloadTables(result: WorkloadResult): string {
  return [
    workloadTable(result),
    '\nThe same operations with `readCache: false` (every query answered by index or partition reads):\n',
    workloadTable({ ...result, dynamodb: result.uncached }, { answers: false }),
  ].join('\n')
}

export function workloadTable(
  result: WorkloadResult,
  options: { answers: boolean } = { answers: true },
): string {
  const lines = [
    '| operation | count | db-sqlite total ms | DynamoDB total ms | ratio | db-sqlite median ms | DynamoDB median ms | requests / op | RCU / op | WCU / op |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  const kinds = Object.keys(result.dynamodb.byKind)
  const queries = { dynamodb: 0, sqlite: 0 }
  for (const kind of kinds) {
    const dynamo = result.dynamodb.byKind[kind]
    const sqlite = result.sqlite.byKind[kind]
    if (kind !== 'create') {
      queries.dynamodb += dynamo.totalMs
      queries.sqlite += sqlite.totalMs
    }
    lines.push(
      `| ${kind} | ${dynamo.count} | ${sqlite.totalMs.toFixed(0)} | ${dynamo.totalMs.toFixed(0)} | x${(dynamo.totalMs / sqlite.totalMs).toFixed(2)} | ${median(sqlite.latencies).toFixed(1)} | ${median(dynamo.latencies).toFixed(1)} | ${(dynamo.requests / dynamo.count).toFixed(2)} | ${(dynamo.rcu / dynamo.count).toFixed(2)} | ${(dynamo.wcu / dynamo.count).toFixed(2)} |`,
    )
  }
  lines.push(
    `| queries (find + count) | | ${queries.sqlite.toFixed(0)} | ${queries.dynamodb.toFixed(0)} | x${(queries.dynamodb / queries.sqlite).toFixed(2)} | | | | | |`,
  )
  const answers =
    result.mismatches.length === 0
      ? `\nAll ${result.sqlite.answers.length} answers equal on both adapters.`
      : [
          `\n${result.mismatches.length} answers DIFFER between the adapters:`,
          ...result.mismatches.map(
            (mismatch) =>
              `- #${mismatch.index} ${mismatch.describe}: db-sqlite \`${mismatch.sqlite}\`, DynamoDB \`${mismatch.dynamodb}\``,
          ),
        ].join('\n')
  return options.answers ? `${lines.join('\n')}\n${answers}` : lines.join('\n')
}
