import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { encodeName } from '../keys/encoding.js'
import { batchDeleteItems } from '../storage/documentStore.js'
import { clearPartition } from '../storage/indexStore.js'
import { counterEpochs } from './buildState.js'
import { localeCodes } from './registry.js'

/**
 * Deletes every entry, marker and value counter of indexes no longer in the config (by name, every
 * locale; counters of every epoch up to the current one, `kinds` to narrow it). With `locales`,
 * only the items of those locales (ones the config no longer has).
 */
export async function dropIndexItems(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  names: string[],
  options: { kinds?: (name: string) => string[]; locales?: string[] } = {},
): Promise<void> {
  const { kinds, locales } = options
  const suffixes = locales
    ? locales.map((locale) => `#${encodeName(locale)}`)
    : ['', ...localeCodes(adapter).map((locale) => `#${encodeName(locale)}`)]
  const epochs = counterEpochs(adapter, namespace)
  const everyKind = (name: string) => [
    'I',
    'X',
    'U',
    'K',
    ...Array.from({ length: epochs.get(name) ?? 0 }, (_, at) => `K~${at + 1}`),
  ]
  for (const name of names) {
    for (const kind of (kinds ?? everyKind)(name)) {
      for (const suffix of suffixes) {
        const pk = `${namespace.pk}#${kind}#${encodeName(name)}${suffix}`
        await clearPartition(adapter, pk, (keys) => batchDeleteItems(adapter, keys))
      }
    }
  }
}
