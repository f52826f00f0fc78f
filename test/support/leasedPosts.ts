/**
 * Several processes (Payloads on one table) around one `posts` collection, with a short read
 * lease (src/leases/): for the tests of what a holder answers while others write or clear.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../../src/index.js'

import { leaseServes } from '../../src/leases/holdLease.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from './bootPayload.js'
import { setEnv } from './env.js'

const LEASE_MS = 300

/** The `posts` collection these processes share. */
export function leasedPostsConfig(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'views', type: 'number' },
        ],
      },
    ],
    db,
    secret: 'leased-posts-test',
    telemetry: false,
  }
}

export const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

/** Queries until the process answers `posts` from its lease. */
export async function untilLeased(payload: Payload): Promise<void> {
  const adapter = adapterOf(payload)
  const pk = collectionNamespace(adapter, 'posts').pk
  for (let round = 0; round < 400; round++) {
    await payload.count({ collection: 'posts' })
    if (leaseServes(adapter, pk)) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('the lease of posts was never taken')
}

/**
 * Sets the lease duration for the enclosing `describe` and destroys what `start` booted after
 * it. `start`: one more process on `tableName`.
 */
export function leasedPostsProcesses() {
  const started: Payload[] = []
  let restoreEnv = () => {}
  beforeAll(() => {
    restoreEnv = setEnv('PAYLOAD_DYNAMODB_READ_LEASE_MS', String(LEASE_MS))
  })
  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
    restoreEnv()
  })
  return async (tableName: string, options: Partial<DynamoDBAdapterArgs> = {}) => {
    const payload = await bootOnTable(leasedPostsConfig, tableName, options)
    started.push(payload)
    return payload
  }
}
