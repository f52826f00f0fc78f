import type { PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { IndexEntry, UniqueMarker } from '../indexes/entries.js'
import type { Namespace } from '../namespaces.js'
import type { Doc } from '../query/types.js'
import type { DynamoDBAdapter } from '../types.js'

import { indexEntries, uniqueMarkers } from '../indexes/entries.js'
import { indexesOf, localeCodes } from '../indexes/registry.js'
import { counterKey } from '../keys/counterKey.js'
import { keyOf } from '../namespaces.js'
import { documentItem } from '../storage/documentStore.js'
import {
  failedConditionIndexes,
  MUST_EXIST,
  MUST_NOT_EXIST,
  transactWrite,
  type WriteAction,
} from '../transactions/transactWrite.js'

/** One document's change: created (no `before`), updated, or deleted (no `after`). */
export type DocumentChange = { after: Doc | null; before: Doc | null }

/** Why an action is in the transaction, so a failed condition can be explained to the user. */
type Meaning =
  | { kind: 'document'; id: number | string }
  | { kind: 'other' }
  | { kind: 'unique'; marker: UniqueMarker }

const keyString = (item: { pk: unknown; sk: unknown }) =>
  `${String(item.pk)}\u0000${String(item.sk)}`

/** Items present in `next` but not in `previous` (by key). */
function added<T extends { pk: string; sk: string }>(previous: T[], next: T[]): T[] {
  const before = new Set(previous.map(keyString))
  return next.filter((item) => !before.has(keyString(item)))
}

/** Entries of `next` that are new or changed (an entry also carries the document's createdAt). */
const entrySignature = (entry: IndexEntry) => `${keyString(entry)}\u0000${entry.c ?? ''}`
function changedEntries(previous: IndexEntry[], next: IndexEntry[]): IndexEntry[] {
  const before = new Set(previous.map(entrySignature))
  return next.filter((entry) => !before.has(entrySignature(entry)))
}

function changeActions(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  { after, before }: DocumentChange,
): { actions: WriteAction[]; countDelta: number; meanings: Meaning[] } {
  const definitions = indexesOf(adapter, namespace)
  const locales = localeCodes(adapter)
  const actions: WriteAction[] = []
  const meanings: Meaning[] = []
  const push = (action: WriteAction, meaning: Meaning) => {
    actions.push(action)
    meanings.push(meaning)
  }
  const doc = (after ?? before) as Doc
  const id = doc.id as number | string

  if (after) {
    push(
      {
        condition: before ? MUST_EXIST : MUST_NOT_EXIST,
        item: documentItem(keyOf(namespace, id), after),
        type: 'put',
      },
      { id, kind: 'document' },
    )
  } else {
    push({ key: keyOf(namespace, id), type: 'delete' }, { kind: 'other' })
  }

  const oldEntries = before ? indexEntries(namespace, definitions, locales, before) : []
  const newEntries = after ? indexEntries(namespace, definitions, locales, after) : []
  for (const entry of added(newEntries, oldEntries)) {
    push({ key: { pk: entry.pk, sk: entry.sk }, type: 'delete' }, { kind: 'other' })
  }
  for (const entry of changedEntries(oldEntries, newEntries)) {
    push({ item: { ...entry }, type: 'put' }, { kind: 'other' })
  }

  const oldMarkers = before ? uniqueMarkers(namespace, definitions, locales, before) : []
  const newMarkers = after ? uniqueMarkers(namespace, definitions, locales, after) : []
  for (const marker of added(newMarkers, oldMarkers)) {
    push({ key: { pk: marker.pk, sk: marker.sk }, type: 'delete' }, { kind: 'other' })
  }
  for (const marker of added(oldMarkers, newMarkers)) {
    push(
      {
        // A marker may only be taken when free (or already ours).
        condition: { expression: 'attribute_not_exists(pk) OR id = :id', values: { ':id': id } },
        item: { id: marker.id, pk: marker.pk, sk: marker.sk },
        type: 'put',
      },
      { kind: 'unique', marker },
    )
  }
  const countDelta = before && after ? 0 : after ? 1 : -1
  return { actions, countDelta, meanings }
}

/**
 * Applies document changes together with their index entries, uniqueness markers and the
 * namespace's document counter, in one atomic write (per 100 items), so readers never see a
 * document without its index entries. A taken unique value becomes Payload's ValidationError.
 */
export async function writeDocuments(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  changes: DocumentChange[],
  req?: Partial<PayloadRequest>,
): Promise<void> {
  const actions: WriteAction[] = []
  const meanings: Meaning[] = []
  let countDelta = 0
  for (const change of changes) {
    const built = changeActions(adapter, namespace, change)
    actions.push(...built.actions)
    meanings.push(...built.meanings)
    countDelta += built.countDelta
  }
  if (countDelta !== 0 && namespace.kind !== 'global') {
    actions.push({
      amount: countDelta,
      attribute: 'count',
      key: counterKey(namespace.pk),
      type: 'add',
    })
    meanings.push({ kind: 'other' })
  }
  try {
    await transactWrite(adapter, actions)
  } catch (error) {
    const failed = failedConditionIndexes(error, actions.length).map((index) => meanings[index])
    if (failed.length === 0) {
      throw error
    }
    const errors = failed.flatMap((meaning) => {
      if (meaning?.kind === 'unique') {
        const path = meaning.marker.definition.parts.map((part) => part.path).join(', ')
        return [{ message: `Value must be unique`, path }]
      }
      if (meaning?.kind === 'document') {
        return [
          {
            message: `Document "${meaning.id}" already exists or was removed meanwhile.`,
            path: 'id',
          },
        ]
      }
      return []
    })
    if (errors.length === 0) {
      throw error
    }
    throw new ValidationError({
      collection: namespace.kind === 'collection' ? namespace.slug : undefined,
      errors,
      req,
    })
  }
}
