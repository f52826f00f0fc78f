import type { DynamoDBAdapter } from '../../types.js'

export type WriteMode = 'create' | 'update'

/** A relationship value a write stores: the related document must exist. */
export type Reference = { collection: string; id: number | string; path: string }

export type TransformResult = { data: Record<string, unknown>; references: Reference[] }

/** The state one write transform carries: the adapter, the locales, and references found. */
export type Context = {
  adapter: DynamoDBAdapter
  localeCodes: Set<string>
  mode: WriteMode
  references: Reference[]
}
