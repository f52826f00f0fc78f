import type { Payload, PayloadRequest } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

/** Payload with this adapter's own methods on `payload.db` (`syncIndexes`, `iterateDocuments`, ...). */
export type MigrationPayload = { db: DynamoDBAdapter } & Omit<Payload, 'db'>

/** What a migration's `up` receives. */
export type MigrateUpArgs = { payload: MigrationPayload; req: PayloadRequest }
/** What a migration's `down` receives. */
export type MigrateDownArgs = { payload: MigrationPayload; req: PayloadRequest }
