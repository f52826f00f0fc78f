import { DeleteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb'

import type { ItemKey } from '../keys/itemKeys.js'
import type { Namespace } from '../namespaces.js'
import type { IndexDefinition } from './definitionTypes.js'
import type { DynamoDBAdapter, RepairArgs, RepairReport } from '../types.js'

import { send } from '../storage/send.js'
import { repairCounter, repairValueCounters } from './repairCounters.js'
import { freshIndexState } from './buildState.js'
import { type Group, type Plan, planGroup, type Write } from './repairPlan.js'
import { STATE_SK } from './versionBump.js'
import { type Drift, findDrift, type IndexItem, itemKey, namespaceOf, reportOf } from './verify.js'

type Id = number | string

/** Rounds over the drifted documents; a document that keeps changing is reported as skipped. */
const MAX_PASSES = 4
/** ConditionChecks on the document and the index state, plus up to 98 writes per transaction. */
const WRITES_PER_TRANSACTION = 98

type Tally = Pick<RepairReport, 'entriesDeleted' | 'entriesPut' | 'markersDeleted' | 'markersPut'>

const TALLY: Record<Write['kind'], keyof Tally> = {
  entryDelete: 'entriesDeleted',
  entryPut: 'entriesPut',
  markerDelete: 'markersDeleted',
  markerPut: 'markersPut',
}

function groupsOf(drift: Drift): { groups: Map<string, Group>; ownerless: IndexItem[] } {
  const groups = new Map<string, Group>()
  const ownerless: IndexItem[] = []
  const add = (owner: Id | undefined, item: IndexItem, kind: 'entries' | 'markers') => {
    if (owner === undefined || owner === null) {
      ownerless.push(item)
      return
    }
    let group = groups.get(String(owner))
    if (!group) {
      group = { entries: new Map(), id: owner, markers: new Map() }
      groups.set(String(owner), group)
    }
    group[kind].set(itemKey(item), item)
  }
  for (const each of [...drift.missingEntries, ...drift.orphanEntries, ...drift.staleEntries]) {
    add(each.owner, each.item, 'entries')
  }
  for (const each of [...drift.missingMarkers, ...drift.staleMarkers]) {
    add(each.owner, each.item, 'markers')
  }
  return { groups, ownerless }
}

/**
 * Commits a plan: each transaction is a ConditionCheck on the document (the revision the plan
 * was computed from) and one on the index state it was computed under, plus up to 98 writes. Returns false when the document changed meanwhile (or
 * a marker changed hands, or a transaction conflicted): the group is planned again next round.
 */
async function commit(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  plan: Extract<Plan, { key: ItemKey }>,
  tally: Tally,
): Promise<boolean> {
  for (let start = 0; start < plan.writes.length; start += WRITES_PER_TRANSACTION) {
    const writes = plan.writes.slice(start, start + WRITES_PER_TRANSACTION)
    try {
      await send(
        adapter,
        new TransactWriteCommand({
          ReturnConsumedCapacity: 'TOTAL',
          TransactItems: [
            { ConditionCheck: { ...plan.condition, Key: plan.key, TableName: adapter.tableName } },
            ...(plan.state
              ? [
                  {
                    ConditionCheck: {
                      ...plan.state,
                      Key: { pk: namespace.pk, sk: STATE_SK },
                      TableName: adapter.tableName,
                    },
                  },
                ]
              : []),
            ...writes.map((write) => write.request),
          ],
        }),
      )
    } catch (error) {
      if ((error as { name?: string }).name === 'TransactionCanceledException') {
        return false
      }
      throw error
    }
    for (const write of writes) {
      tally[TALLY[write.kind]] += 1
    }
  }
  return true
}

/**
 * Finds the drift `verifyIndexes` reports and fixes it in place, safe to run while the
 * application serves traffic:
 *
 * - the documents are read page by page (`pageSize`) and only their expected keys are kept;
 * - every entry or marker write for a document is part of a TransactWriteItems with a
 *   ConditionCheck on that document's `rev` (`attribute_not_exists(pk)` when the document is
 *   missing), planned from a fresh read of the document and of the items concerned; a document
 *   changed meanwhile makes its transaction fail and is planned again in the next round;
 * - a marker is deleted only while its owner (checked in the same transaction) does not hold the
 *   value, and only while it still names that owner; a marker is put only where none exists, so a
 *   value held by another document is never taken over (values several documents hold are
 *   reported as `duplicateValues`, never fixed);
 * - the counter is corrected last (see `repairCounter` for the guarantees it has under traffic),
 *   then the value counters (repairCounters.ts).
 */
export async function repairIndexes(
  this: DynamoDBAdapter,
  args: RepairArgs,
): Promise<RepairReport> {
  const namespace = namespaceOf(this, args)
  // Repaired as the table records its indexes now (an index dropped or built by another process).
  await freshIndexState(this, namespace, { force: true })
  return repairNamespace(this, namespace, args.pageSize ?? 100)
}

/**
 * `repairIndexes` on one namespace. `counted`: the indexes whose value counters it checks and
 * sets (the built ones; a rebuild names its own, which its pass has just counted).
 */
export async function repairNamespace(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  pageSize: number,
  counted?: IndexDefinition[],
): Promise<RepairReport> {
  const drift = await findDrift(adapter, namespace, pageSize, counted)
  const report: RepairReport = {
    documents: 0,
    entriesDeleted: 0,
    entriesPut: 0,
    found: reportOf(drift),
    markersDeleted: 0,
    markersPut: 0,
    counterUnsettled: false,
    passes: 0,
    valueCountersUnsettled: false,
    skipped: [],
  }

  // Entries and markers without an `id` attribute belong to no document: delete them while they
  // still have no owner.
  const { groups, ownerless } = groupsOf(drift)
  for (const item of ownerless) {
    try {
      await send(
        adapter,
        new DeleteCommand({
          ConditionExpression: 'attribute_not_exists(id)',
          Key: { pk: item.pk, sk: item.sk },
          ReturnConsumedCapacity: 'TOTAL',
          TableName: adapter.tableName,
        }),
      )
      if (item.pk.includes('#U#')) {
        report.markersDeleted++
      } else {
        report.entriesDeleted++
      }
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') {
        throw error
      }
    }
  }

  let pending = [...groups.values()]
  let stateMayHaveMoved = false
  const reasons = new Map<Group, string>()
  const written = new Set<Group>()
  while (pending.length > 0 && report.passes < MAX_PASSES) {
    if (report.passes > 0) {
      await sleep(50 * 2 ** report.passes * (0.5 + Math.random()))
    }
    report.passes++
    if (stateMayHaveMoved) {
      // Planned again as the table records its indexes now (one dropped meanwhile: not at all).
      await freshIndexState(adapter, namespace, { force: true })
      stateMayHaveMoved = false
    }
    const again: Group[] = []
    for (const group of pending) {
      const plan = await planGroup(adapter, namespace, group, drift.duplicateKeys)
      if ('changing' in plan) {
        reasons.set(group, 'the document item has no document')
        again.push(group)
        continue
      }
      if (plan.writes.length > 0) {
        if (!(await commit(adapter, namespace, plan, report))) {
          reasons.set(group, 'the document or the index state kept changing')
          again.push(group)
          stateMayHaveMoved = true
          continue
        }
        written.add(group)
      }
      if (plan.blockedBy !== undefined) {
        // Its marker may be freed by the holder's own group in adapter round: look again.
        reasons.set(group, `a marker it should hold is held by ${JSON.stringify(plan.blockedBy)}`)
        again.push(group)
      }
    }
    pending = again
  }
  report.documents = written.size
  report.skipped = pending.map((group) => ({
    id: group.id,
    reason: reasons.get(group) ?? 'unknown',
  }))

  if (drift.counter !== drift.documents) {
    const counter = await repairCounter(adapter, namespace, pageSize)
    if (typeof counter === 'object') {
      report.counter = counter
    }
    report.counterUnsettled = counter === 'unsettled'
  }
  if (drift.valueCounters.length > 0) {
    const values = await repairValueCounters(adapter, namespace, pageSize, counted)
    if (typeof values === 'object') {
      report.valueCountersFixed = values.fixed
    }
    report.valueCountersUnsettled = values === 'unsettled'
  }
  return report
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
