import type { Payload, PayloadRequest } from 'payload'

/** What a migration's `up` receives. */
export type MigrateUpArgs = { payload: Payload; req: PayloadRequest }
/** What a migration's `down` receives. */
export type MigrateDownArgs = { payload: Payload; req: PayloadRequest }
