import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { type IndexDefinition, indexDefinitions } from './definitions.js'

const cache = new WeakMap<DynamoDBAdapter, Map<string, IndexDefinition[]>>()

/** The indexes of a namespace, computed once per adapter (the config does not change after init). */
export function indexesOf(adapter: DynamoDBAdapter, namespace: Namespace): IndexDefinition[] {
  if (namespace.kind === 'global' || namespace.kind === 'latest') {
    return []
  }
  let perAdapter = cache.get(adapter)
  if (!perAdapter) {
    perAdapter = new Map()
    cache.set(adapter, perAdapter)
  }
  let definitions = perAdapter.get(namespace.pk)
  if (!definitions) {
    definitions = indexDefinitions(adapter, namespace)
    perAdapter.set(namespace.pk, definitions)
  }
  return definitions
}

export function localeCodes(adapter: DynamoDBAdapter): string[] {
  const localization = adapter.payload.config.localization
  return localization ? localization.localeCodes : []
}
