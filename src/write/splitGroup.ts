import type { PayloadRequest } from 'payload'

import type { JournalChange } from '../transactions/journal.js'
import type { DynamoDBAdapter } from '../types.js'
import type { Group } from './groups.js'

import { indexEntries } from '../indexes/entries.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'
import { namespaceOf } from '../namespaces.js'
import { forgetOverflowHints } from '../read/overflowingIndexes.js'
import { JournalTakenOver } from '../transactions/journalGrace.js'
import {
  failedConditionIndexes,
  MAX_TRANSACTION_ACTIONS,
  transactWrite,
  type WriteAction,
} from '../transactions/transactWrite.js'
import { writeGroup } from './groups.js'

/** The journal check every request of a journaled write carries (a mark's condition, no mark). */
function fenceOf(extra: WriteAction): WriteAction {
  return extra.type === 'mark' && extra.condition
    ? { condition: extra.condition, key: extra.key, type: 'check' }
    : extra
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = []
  for (let start = 0; start < items.length; start += size) {
    out.push(items.slice(start, start + size))
  }
  return out
}

/** One request of entries, with the journal's fence or mark: fails only if the write was taken. */
async function writeEntries(
  adapter: DynamoDBAdapter,
  entries: WriteAction[],
  extra: WriteAction,
  writeID: string,
): Promise<void> {
  try {
    await transactWrite(adapter, [...entries, extra])
  } catch (error) {
    throw failedConditionIndexes(error, entries.length + 1).includes(entries.length)
      ? new JournalTakenOver(writeID)
      : error
  }
}

/**
 * Writes a group holding one document whose index entries do not fit its transaction (a
 * `hasMany` field whose 40 values all change, many locales of indexed fields): its new entries
 * first, then the document with its markers and value counts in one transaction (which marks
 * the group done), then the removal of its old entries. Only a journaled write does this: the
 * document is locked meanwhile (no other writer can race the entries), and a write stopped
 * part-way is finished from the journal: before the document's request, its group is applied
 * again (the recorded image says which old entries to remove, `DocumentChange.recorded`);
 * after it, `removeLeftEntries` removes them. Finds stay exact throughout: an entry the stored document does
 * not match is only a candidate the evaluator drops, and none it matches is missing. Counts
 * kept by value counters are exact too (they move with the document); a count of a range's
 * entries may see the extra ones until the last request, as any reader may see a journaled
 * write part-way.
 */
export async function writeSplit(
  adapter: DynamoDBAdapter,
  group: Group,
  writeID: string,
  req: Partial<PayloadRequest> | undefined,
  /** The journal's mark of the group (in the last request) or its fence. */
  extra: WriteAction,
): Promise<void> {
  const fence = fenceOf(extra)
  const isEntry = (index: number) => group.meanings[index]?.kind === 'entry'
  const puts = group.actions.filter((action, index) => isEntry(index) && action.type === 'put')
  const deletes = group.actions.filter((action, index) => isEntry(index) && action.type !== 'put')
  const core: Group = {
    ...group,
    actions: group.actions.filter((_, index) => !isEntry(index)),
    meanings: group.meanings.filter((_, index) => !isEntry(index)),
    split: false,
  }
  const size = MAX_TRANSACTION_ACTIONS - 1
  for (const part of chunks(puts, size)) {
    await writeEntries(adapter, part, fence, writeID)
  }
  // The group is marked done with the document: a start that finds the mark removes the old
  // entries again (`removeLeftEntries`); one that does not knows the document is as it read it.
  await writeGroup(adapter, core, writeID, req, extra)
  for (const part of chunks(deletes, size)) {
    await writeEntries(adapter, part, fence, writeID)
  }
  forgetOverflowHints(adapter, deletes)
}

/**
 * Removes the entries the split documents of a finished journal had before it (or, undone,
 * after it) and no longer have: a write stopped after a split document's own request leaves
 * them (harmless to answers, reported by `verifyIndexes`). Its documents are still locked.
 */
export async function removeLeftEntries(
  adapter: DynamoDBAdapter,
  journal: JournalChange[],
  undone: boolean,
): Promise<void> {
  const locales = localeCodes(adapter)
  const left: WriteAction[] = []
  for (const change of journal.filter((each) => each.split)) {
    const namespace = namespaceOf(adapter, change.kind, change.slug)
    const definitions = maintainedIndexes(adapter, namespace)
    const [from, to] = undone ? [change.after, change.before] : [change.before, change.after]
    const kept = new Set(
      (to ? indexEntries(namespace, definitions, locales, to) : []).map(
        (entry) => `${entry.pk}\u0000${entry.sk}`,
      ),
    )
    for (const entry of from ? indexEntries(namespace, definitions, locales, from) : []) {
      if (!kept.has(`${entry.pk}\u0000${entry.sk}`)) {
        left.push({ key: { pk: entry.pk, sk: entry.sk }, type: 'delete' })
      }
    }
  }
  for (const part of chunks(left, MAX_TRANSACTION_ACTIONS)) {
    await transactWrite(adapter, part)
  }
}
