import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import type { Booted } from './bootPayload.js'

import { boot, closeAll, THROUGH_INDEXES } from './bootPayload.js'

/** One seeded Payload: what `seed` returned (ids by name, say) beside it. */
export type Seeded<T> = { booted: Booted; seeded: T }

/**
 * Boots `config` on db-sqlite once for the file (a second db-sqlite pushing the same schema in one
 * process finds no table) and on this adapter twice, held in memory and through the indexes, each
 * seeded by `seed`; `tests` declares the comparisons for one adapter mode, reading both sides
 * through the getters (set once the suites' `beforeAll` ran).
 */
export function againstSqlite<T>(
  title: string,
  config: (db: DatabaseAdapterObj) => Config,
  seed: (payload: Payload) => Promise<T>,
  tests: (dynamo: () => Seeded<T>, sqlite: () => Seeded<T>) => void,
): void {
  let sqlite: Seeded<T> | undefined
  beforeAll(async () => {
    const booted = await boot(config, 'sqlite')
    sqlite = { booted, seeded: await seed(booted.payload) }
  }, 120_000)
  afterAll(async () => {
    await closeAll(sqlite?.booted)
  })
  describe.each([
    ['held in memory', {}],
    ['through the indexes', THROUGH_INDEXES],
  ])(`${title}, %s`, (_mode, options) => {
    let dynamo: Seeded<T> | undefined
    beforeAll(async () => {
      const booted = await boot(config, 'dynamodb', options)
      dynamo = { booted, seeded: await seed(booted.payload) }
    }, 120_000)
    afterAll(async () => {
      await closeAll(dynamo?.booted)
    })
    tests(
      () => dynamo as Seeded<T>,
      () => sqlite as Seeded<T>,
    )
  })
}

/** Creates one document per name (`{ name }`) in `collection`: their ids by name. */
export async function namedDocuments(
  payload: Payload,
  collection: string,
  names: string[],
): Promise<Record<string, number | string>> {
  const ids: Record<string, number | string> = {}
  for (const name of names) {
    ids[name] = (await payload.create({ collection, data: { name } })).id
  }
  return ids
}
