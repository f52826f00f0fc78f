/**
 * A Payload with one collection, `items` (a unique `code`, an indexed `batch` and `n`), on
 * DynamoDB through a fault proxy: the journaled-write tests (largeCommit, journalEnd) cut its
 * requests off where they need.
 */
import type { Config, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload } from 'payload'

import type { FaultProxy } from './faultProxy.js'

import { dynamodbAdapter } from '../../src/index.js'

export async function bootCodeItems(proxy: FaultProxy, tableName: string): Promise<Payload> {
  const config: Config = {
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'code', type: 'text', unique: true },
          { name: 'batch', type: 'text', index: true },
          { name: 'n', type: 'number', index: true },
        ],
      },
    ],
    db: dynamodbAdapter({
      clientConfig: proxy.clientConfig({ maxAttempts: 2 }),
      logFallbackQueries: false,
      tableName,
    }),
    secret: 'code-items-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
  return getPayload({ config: await buildConfig(config), key: `code-items-${randomUUID()}` })
}
