import type { UniqueMarker } from '../indexes/entries.js'
import type { ItemKey } from '../keys/itemKeys.js'
import type { Doc } from '../query/types.js'
import type { JournalChange } from '../transactions/journal.js'
import type { DocumentChange } from '../transactions/session.js'
import type { WriteAction } from '../transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../types.js'

import { uniqueMarkers } from '../indexes/entries.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'
import { namespaceOf } from '../namespaces.js'
import { batchGetByKey, batchGetItems } from '../storage/documentStore.js'
import { revisionCondition, revisionOf } from '../storage/revisions.js'
import { keyString } from '../transactions/session.js'
import { toAPIError } from '../storage/errors.js'
import {
  failedConditionIndexes,
  MAX_TRANSACTION_ACTIONS,
  MUST_NOT_EXIST,
  transactWrite,
} from '../transactions/transactWrite.js'

/** Rounds over documents that writers keep changing while their markers are released. */
const RELEASE_ATTEMPTS = 5

type Owner = { held: (doc: Doc) => UniqueMarker[]; key: ItemKey; markers: UniqueMarker[] }

type Released = Pick<DocumentChange, 'after' | 'before' | 'key' | 'namespace'>

/** Every marker a write's documents held or took, by document. */
function ownersOf(adapter: DynamoDBAdapter, changes: Released[]): Map<string, Owner> {
  const owners = new Map<string, Owner>()
  const locales = localeCodes(adapter)
  for (const change of changes) {
    const { namespace } = change
    const definitions = maintainedIndexes(adapter, namespace)
    const markers = [
      ...new Map(
        [change.before, change.after]
          .flatMap((doc) => (doc ? uniqueMarkers(namespace, definitions, locales, doc) : []))
          .map((marker) => [keyString(marker), marker]),
      ).values(),
    ]
    if (markers.length > 0) {
      owners.set(keyString(change.key), {
        held: (doc) => uniqueMarkers(namespace, definitions, locales, doc),
        key: change.key,
        markers,
      })
    }
  }
  return owners
}

type Release = { actions: WriteAction[]; owner: Owner }

/** Releases packed into requests of up to 100 actions (one larger than that stays alone). */
function packed(writes: Release[]): Release[][] {
  const packs: Release[][] = []
  let pack: Release[] = []
  let size = 0
  for (const write of writes) {
    if (pack.length > 0 && size + write.actions.length > MAX_TRANSACTION_ACTIONS) {
      packs.push(pack)
      pack = []
      size = 0
    }
    pack.push(write)
    size += write.actions.length
  }
  if (pack.length > 0) {
    packs.push(pack)
  }
  return packs
}

/**
 * Sends a pack of documents' checks and marker deletes, or one document's (more than 100 actions:
 * in several requests, each with its check); false when a condition failed (something changed).
 */
async function released(adapter: DynamoDBAdapter, actions: WriteAction[]): Promise<boolean> {
  const [check, ...deletes] = actions
  try {
    if (actions.length <= MAX_TRANSACTION_ACTIONS) {
      await transactWrite(adapter, actions)
      return true
    }
    // Only a lone document is larger (see `packed`).
    for (let start = 0; start < deletes.length; start += MAX_TRANSACTION_ACTIONS - 1) {
      await transactWrite(adapter, [
        check,
        ...deletes.slice(start, start + MAX_TRANSACTION_ACTIONS - 1),
      ])
    }
    return true
  } catch (error) {
    if (failedConditionIndexes(error, actions.length).length > 0) {
      return false
    }
    // Not a changed document or marker: conflicts with other transactions that outlasted the
    // retries, or the engine out of reach. The write's end fails, and its journal stays.
    throw toAPIError(error, { operation: 'TransactWriteItems' })
  }
}

/**
 * A journaled write (more than 100 items, several transactions) keeps the unique values its
 * documents let go of until it ends: its groups do not delete those markers. Otherwise another
 * document could take a value between two groups, and undoing the applied groups (a later group
 * that cannot be applied) could not give it back: the write would stay part-applied. Once the
 * write is applied whole, or undone, this deletes every marker of its documents that names a
 * document no longer holding the value, each on the condition that the document is still the
 * version read and the marker still names it (so a writer that took the value back since keeps
 * it).
 */
export function releaseMarkers(adapter: DynamoDBAdapter, journal: JournalChange[]): Promise<void> {
  return releaseStale(
    adapter,
    journal.map((change) => ({
      after: change.after,
      before: change.before,
      key: change.key,
      namespace: namespaceOf(adapter, change.kind, change.slug),
    })),
  )
}

/**
 * After a write whose documents let go of values of a unique index still being built: the
 * markers it kept (markerHandover.ts `withheldReleases`) are deleted where they still name their
 * document, which no longer holds the value. The write is stored: a failure here is only logged
 * (verifyIndexes reports such a marker as stale, and repairIndexes frees it).
 */
export async function releaseWithheldMarkers(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
): Promise<void> {
  try {
    await releaseStale(adapter, changes)
  } catch (error) {
    adapter.payload.logger.warn({
      err: error,
      msg: 'payload-db-dynamodb: a write let go of unique values of an index being built, but their markers could not be freed now; verifyIndexes reports them (staleMarkers) and repairIndexes frees them.',
    })
  }
}

async function releaseStale(adapter: DynamoDBAdapter, changes: Released[]): Promise<void> {
  let pending = ownersOf(adapter, changes)
  for (let attempt = 0; attempt < RELEASE_ATTEMPTS && pending.size > 0; attempt++) {
    const owners = [...pending.values()]
    const markerKeys = new Map(
      owners.flatMap((owner) =>
        owner.markers.map(({ pk, sk }) => [keyString({ pk, sk }), { pk, sk }]),
      ),
    )
    const stored = await batchGetItems(adapter, [...markerKeys.values()])
    const documents = await batchGetByKey(
      adapter,
      owners.map((owner) => owner.key),
    )
    const writes: Release[] = []
    for (const owner of owners) {
      const doc = documents.get(keyString(owner.key))
      const held = new Set(doc ? owner.held(doc).map(keyString) : [])
      const stale = owner.markers.filter(
        (marker) => !held.has(keyString(marker)) && stored.get(keyString(marker))?.id === marker.id,
      )
      if (stale.length === 0) {
        continue
      }
      writes.push({
        actions: [
          {
            condition: doc ? revisionCondition(revisionOf(doc) ?? 0) : MUST_NOT_EXIST,
            key: owner.key,
            type: 'check',
          },
          ...stale.map((marker): WriteAction => ({
            condition: { expression: 'id = :id', values: { ':id': marker.id } },
            key: { pk: marker.pk, sk: marker.sk },
            type: 'delete',
          })),
        ],
        owner,
      })
    }
    const again = new Map<string, Owner>()
    for (const pack of packed(writes)) {
      // Several documents' deletes in one request; if one of them changed meanwhile, each is
      // sent on its own so that the others are not held back.
      if (
        pack.length > 1 &&
        (await released(
          adapter,
          pack.flatMap(({ actions }) => actions),
        ))
      ) {
        continue
      }
      for (const { actions, owner } of pack) {
        if (!(await released(adapter, actions))) {
          again.set(keyString(owner.key), owner)
        }
      }
    }
    pending = again
  }
  if (pending.size > 0) {
    adapter.payload.logger.warn(
      `payload-db-dynamodb: ${pending.size} document(s) kept changing while a large write released the unique values they let go of; verifyIndexes reports what is left (staleMarkers) and repairIndexes frees it.`,
    )
  }
}
