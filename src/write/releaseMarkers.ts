import type { UniqueMarker } from '../indexes/entries.js'
import type { ItemKey } from '../keys/itemKeys.js'
import type { Doc } from '../query/types.js'
import type { JournalChange } from '../transactions/journal.js'
import type { WriteAction } from '../transactions/transactWrite.js'
import type { DynamoDBAdapter } from '../types.js'

import { uniqueMarkers } from '../indexes/entries.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'
import { namespaceOf } from '../namespaces.js'
import { batchGetByKey, batchGetItems } from '../storage/documentStore.js'
import { revisionCondition, revisionOf } from '../storage/revisions.js'
import { keyString } from '../transactions/session.js'
import {
  MAX_TRANSACTION_ACTIONS,
  MUST_NOT_EXIST,
  transactWrite,
} from '../transactions/transactWrite.js'

/** Rounds over documents that writers keep changing while their markers are released. */
const RELEASE_ATTEMPTS = 5

type Owner = { held: (doc: Doc) => UniqueMarker[]; key: ItemKey; markers: UniqueMarker[] }

/** Every marker a journaled write's documents held or took, by document. */
function ownersOf(adapter: DynamoDBAdapter, journal: JournalChange[]): Map<string, Owner> {
  const owners = new Map<string, Owner>()
  const locales = localeCodes(adapter)
  for (const change of journal) {
    const namespace = namespaceOf(adapter, change.kind, change.slug)
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
export async function releaseMarkers(
  adapter: DynamoDBAdapter,
  journal: JournalChange[],
): Promise<void> {
  let pending = ownersOf(adapter, journal)
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
    const writes: { actions: WriteAction[]; owner: Owner }[] = []
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
    for (const { actions, owner } of writes) {
      try {
        for (let start = 1; start < actions.length; start += MAX_TRANSACTION_ACTIONS - 1) {
          await transactWrite(adapter, [
            actions[0],
            ...actions.slice(start, start + MAX_TRANSACTION_ACTIONS - 1),
          ])
        }
      } catch (error) {
        if ((error as { name?: string }).name !== 'TransactionCanceledException') {
          throw error
        }
        // The document (or a marker) changed meanwhile: look at it again.
        again.set(keyString(owner.key), owner)
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
