import type { ItemKey } from './itemKeys.js'

/** The item counting a namespace's documents; it lives in the namespace's partition, outside `D#`. */
export function counterKey(namespacePK: string): ItemKey {
  return { pk: namespacePK, sk: 'M#count' }
}
