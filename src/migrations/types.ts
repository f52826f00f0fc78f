// Kept in the adapter's type module (src/types.ts), which must not import modules that import it.
export type { MigrateDownArgs, MigrateUpArgs, MigrationPayload } from '../types.js'
