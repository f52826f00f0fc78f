import type { Namespace } from '../namespaces.js'
import type { StoredDocument } from '../storage/documentStore.js'
import type { DynamoDBAdapter } from '../types.js'

import { indexSignature } from '../indexes/buildState.js'
import { uniqueMarkers } from '../indexes/entries.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { localeCodes } from '../indexes/registry.js'

/**
 * Lookups over the documents of a held namespace (read/snapshots.ts), for a write's checks: a
 * document by id (do the related documents exist?) and the owner of a unique marker (is the value
 * taken?). Built on first use, and carried to the next array of the same snapshot with only the
 * documents that changed (a collection written one document at a time is not walked on each
 * write).
 */
type Lookup = {
  byID: Map<string, StoredDocument>
  /** Marker key (`pk\0sk`) to the document holding it, for the unique indexes of `signature`. */
  markers?: { owners: Map<string, StoredDocument>; signature: string }
}

const lookups = new WeakMap<readonly StoredDocument[], Lookup>()

function lookupOf(docs: readonly StoredDocument[]): Lookup {
  let lookup = lookups.get(docs)
  if (!lookup) {
    lookup = { byID: new Map(docs.map((doc) => [String(doc.id), doc])) }
    lookups.set(docs, lookup)
  }
  return lookup
}

/** The held document with this id, if any (shared: callers copy what they return). */
export function heldByID(
  docs: readonly StoredDocument[],
  id: number | string,
): StoredDocument | undefined {
  return lookupOf(docs).byID.get(String(id))
}

/** Which unique indexes the markers are for: rebuilt when the maintained indexes change. */
function uniqueSignature(adapter: DynamoDBAdapter, namespace: Namespace): string {
  return maintainedIndexes(adapter, namespace)
    .filter((definition) => definition.unique)
    .map((definition) => `${definition.name}\u0000${indexSignature(definition)}`)
    .join('\u0001')
}

function markerKeys(adapter: DynamoDBAdapter, namespace: Namespace, doc: StoredDocument): string[] {
  return uniqueMarkers(
    namespace,
    maintainedIndexes(adapter, namespace),
    localeCodes(adapter),
    doc,
  ).map((marker) => `${marker.pk}\u0000${marker.sk}`)
}

/** The documents holding each unique marker of the namespace, by marker key (`pk\0sk`). */
export function heldMarkerOwners(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  docs: readonly StoredDocument[],
): ReadonlyMap<string, StoredDocument> {
  const lookup = lookupOf(docs)
  const signature = uniqueSignature(adapter, namespace)
  if (lookup.markers?.signature !== signature) {
    const owners = new Map<string, StoredDocument>()
    for (const doc of docs) {
      for (const key of markerKeys(adapter, namespace, doc)) {
        owners.set(key, doc)
      }
    }
    lookup.markers = { owners, signature }
  }
  return lookup.markers.owners
}

/**
 * Moves the lookups of a snapshot's documents to its next array: `removed` left it (replaced or
 * deleted), `added` joined it. The old array's lookups are dropped (built again if still used).
 */
export function carryLookups(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  change: {
    added: readonly StoredDocument[]
    from: readonly StoredDocument[]
    removed: readonly StoredDocument[]
    to: readonly StoredDocument[]
  },
): void {
  const lookup = lookups.get(change.from)
  if (!lookup) {
    return
  }
  lookups.delete(change.from)
  const markers =
    lookup.markers?.signature === uniqueSignature(adapter, namespace) ? lookup.markers : undefined
  for (const doc of change.removed) {
    if (lookup.byID.get(String(doc.id)) === doc) {
      lookup.byID.delete(String(doc.id))
    }
    for (const key of markers ? markerKeys(adapter, namespace, doc) : []) {
      if (markers?.owners.get(key) === doc) {
        markers.owners.delete(key)
      }
    }
  }
  for (const doc of change.added) {
    lookup.byID.set(String(doc.id), doc)
    for (const key of markers ? markerKeys(adapter, namespace, doc) : []) {
      markers?.owners.set(key, doc)
    }
  }
  lookups.set(change.to, { byID: lookup.byID, markers })
}
