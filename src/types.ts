import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { BaseDatabaseAdapter, Payload, PayloadRequest, Sort, Where } from 'payload'

import type { Plan } from './query/plan/types.js'
import type { Doc } from './query/types.js'
import type { RequestStats } from './storage/requestStats.js'

export type DynamoDBAdapterArgs = {
  /**
   * Accept a client-supplied `id` on create even for collections without a custom id field.
   * @default false
   */
  allowIDOnCreate?: boolean
  /**
   * A ready DynamoDB client. Every request the adapter makes goes through it, so a caller can add
   * middleware (metrics, tracing) or share connection pools. Mutually exclusive with `clientConfig`.
   */
  client?: DynamoDBClient
  /**
   * Configuration for the client the adapter creates itself (region, endpoint, credentials, ...).
   * Credentials default to the AWS SDK's provider chain.
   */
  clientConfig?: DynamoDBClientConfig
  /**
   * Use strongly consistent reads. DynamoDB bills them at twice the eventually consistent rate.
   * @default true
   */
  consistentRead?: boolean
  /**
   * Build indexes added to the config (and drop removed ones) when Payload starts. Until an index
   * is built, queries it would serve read the collection instead (never a wrong answer). In
   * production, build them with a migration (`payload migrate:create` writes it).
   * @default process.env.NODE_ENV !== 'production'
   */
  buildIndexes?: boolean
  /**
   * How many items each document counter (per collection, and per indexed value) is split over.
   * Writes add to one shard, reads sum them all in one Query, so concurrent creates rarely
   * touch the same item (see docs/scaling.md). Safe to change at any time: reads sum whatever
   * shards exist. 1 to 1,000; a count reads up to this many small items.
   * @default 8
   */
  counterShards?: number
  /**
   * Create the table (on-demand billing) when it does not exist. Off in production by default, where
   * the table should come from infrastructure code.
   * @default process.env.NODE_ENV !== 'production'
   */
  createTable?: boolean
  /**
   * How generated ids look: 24-hex ObjectId-style ids (time-ordered, like db-mongodb's) or UUIDs.
   * Collections with a custom `id` field use their own ids.
   * @default 'objectID'
   */
  idType?: 'objectID' | 'uuid'
  /**
   * Log one line (per field) when a query has to read a whole collection because no index serves
   * it, naming the field an index would serve.
   * @default true
   */
  logFallbackQueries?: boolean
  /**
   * Migrations run when Payload starts in production (`NODE_ENV=production`), as with the
   * official adapters: pass the `migrations` array of your migrations folder's `index.ts`.
   * Already-run migrations are skipped; index migrations should run after the new code serves
   * all traffic (see docs/migrations.md).
   */
  prodMigrations?: {
    down: (args: MigrateDownArgs) => Promise<void>
    name: string
    up: (args: MigrateUpArgs) => Promise<void>
  }[]
  /**
   * Small collections are held in memory and answered from there: each find or count first reads
   * the collection's counter items (one small strongly consistent Query, which every write of its
   * documents changes in the same transaction) and uses the documents held only when nothing was
   * written since they were read, so answers are as exact as reading DynamoDB (see
   * docs/consistency.md). A collection with more than `maxDocuments` documents (or more than
   * `maxBytes` of them as JSON) is never held; `false` turns the cache off. Only with
   * `consistentRead` (the default).
   *
   * `lease` (on by default): a process that sees only its own writes to a held collection takes
   * the collection's read lease and answers from memory without that Query while it holds it;
   * another process that writes the collection first takes the lease back and waits up to about
   * 2.3 s, once (docs/consistency.md, "Read leases").
   * @default { lease: true, maxBytes: 32 MB, maxDocuments: 500 }
   */
  readCache?: { lease?: boolean; maxBytes?: number; maxDocuments?: number } | false
  /** Migrations directory. @default 'migrations' in the project root */
  migrationDir?: string
  /** The single table that holds every item of this Payload instance. */
  tableName: string
  /**
   * Payload transactions (on by default, like db-postgres): the writes of one Payload operation
   * are held and committed together in one atomic write, and reads with the same `req` see them.
   * `false` turns them off (every adapter call is then atomic on its own).
   * `onConflict`: when a document the transaction changed was changed by another request since
   * it was read, `'retry'` computes the transaction's writes again over the newer document
   * (last writer wins, as an UPDATE in SQL does) and `'fail'` fails the commit with a retryable
   * 409 error, writing nothing. See docs/consistency.md.
   * @default { onConflict: 'retry' }
   */
  transactionOptions?: { onConflict?: 'fail' | 'retry' } | false
}

export type IDType = 'number' | 'text'

export type DynamoDBAdapter = {
  /** Whether indexes added to the config are built on start (the `buildIndexes` option). */
  buildIndexesOnStart: boolean
  /** Deletes every item of the table (for tests: Payload's test harness calls it between suites). */
  clearDatabase: () => Promise<void>
  client: DynamoDBClient
  consistentRead: boolean
  /** Shards per counter (the `counterShards` option). */
  counterShards: number
  createTable: boolean
  docClient: DynamoDBDocumentClient
  /** How a find would be answered, with the requests and capacity it takes. */
  explain: (args: ExplainArgs) => Promise<Explanation>
  /**
   * Finishes writes of more than 100 items that a process left part-way (runs on connect). A
   * journal whose owner showed it is alive within `olderThanMs` (default: the 30 s grace) waits;
   * an older one is taken over (its owner, if only stalled, then writes nothing more of it).
   */
  finishOpenCommits: (options?: {
    olderThanMs?: number
  }) => Promise<{ deferred: number; finished: number }>
  generatedIDType: 'objectID' | 'uuid'
  logFallbackQueries: boolean
  /** Limits of the in-memory snapshots of small collections (the `readCache` option), or off. */
  readCache: false | { lease: boolean; maxBytes: number; maxDocuments: number }
  /** Walks a collection page by page with DynamoDB's cursor (resumable). */
  iterateDocuments: (args: IterateArgs) => AsyncGenerator<CursorPage>
  /**
   * A data migration's walk: transforms every document of a collection (or its versions, or a
   * global's versions) and writes the results through the adapter's write path, page by page;
   * with a `name`, resumable after a crash and skipped once done.
   */
  migrateDocuments: (args: MigrateDocumentsArgs) => Promise<MigrateDocumentsResult>
  /** Whether the adapter created the client (and so closes it on destroy). */
  ownsClient: boolean
  /** Builds or rebuilds one collection's index entries, markers and counter from its documents. */
  rebuildIndexes: (args: RebuildArgs) => Promise<number>
  /** Request counts and consumed capacity since the adapter connected (or since `resetStats`). */
  stats: RequestStats
  tableName: string
  /** Migrations run on start in production (the `prodMigrations` option). */
  prodMigrations?: DynamoDBAdapterArgs['prodMigrations']
  /** What a transaction's commit does when a document it changed moved on meanwhile. */
  transactionConflicts: 'fail' | 'retry'
  /**
   * Fixes the drift `verifyIndexes` finds (entries, markers, counter), in place and paged; safe
   * while the application writes (every fix is conditioned on its document's revision).
   */
  repairIndexes: (args: RepairArgs) => Promise<RepairReport>
  /**
   * Builds the config's indexes that are not built yet and drops those removed from it (what a
   * migration runs in production). Returns what differed; with `dryRun` only reports.
   */
  syncIndexes: (options?: { dryRun?: boolean }) => Promise<{ pending: string[]; stale: string[] }>
  /**
   * Checks one collection's (or global's) index entries, uniqueness markers and counter against its
   * documents (or versions).
   */
  verifyIndexes: (args: VerifyArgs) => Promise<IndexReport>
} & BaseDatabaseAdapter

/** Payload's `this` for adapter methods; kept in its own module so operations never import the factory. */
export type AdapterThis = DynamoDBAdapter

// Argument and result types of the adapter's own methods live here, so that this module imports
// nothing that imports it back.

export type CursorPage = {
  /** Pass as `cursor` to resume after this page; undefined after the last page. */
  cursor?: string
  docs: Doc[]
}

export type IterateArgs = {
  collection: string
  /** Resume from a page's `cursor`. */
  cursor?: string
  locale?: string
  /** Documents read per request (pages after filtering can be shorter). @default 100 */
  pageSize?: number
  where?: Where
}

export type MigrateDocumentsArgs = {
  /** The collection whose documents (or, with `versions`, versions) are walked. */
  collection?: string
  /** Documents transformed and written at once within a page. @default 4 */
  concurrency?: number
  /** Start after this cursor (from `onProgress` or a result); a named run's record takes precedence. */
  cursor?: string
  /** The global whose versions are walked (with `versions: true`). */
  global?: string
  /**
   * Records progress in the table under this name (item (`M#migrations`, name)) after every
   * page: a run that stopped continues after its last completed page, one that finished is
   * not run again. Use one name per walk of a migration, e.g. `'20250101_rename_status:posts'`.
   */
  name?: string
  /** Called after every page with the totals so far and the cursor to resume from. */
  onProgress?: (progress: MigrateDocumentsProgress) => Promise<void> | void
  /** Documents read per request. @default 100 */
  pageSize?: number
  /** Stops after the page in progress when aborted (the result's `cursor` says where). */
  signal?: AbortSignal
  /**
   * The new document for a stored one (a copy: mutate it freely), or `undefined` to leave it,
   * or `null` to delete it. It may run more than once for a document (again after a concurrent
   * change, again for the page a crashed run was in), so it must be idempotent: a document it
   * already transformed should come back unchanged (or `undefined`).
   */
  transform: (doc: Doc) => Doc | null | Promise<Doc | null | undefined> | undefined
  /** Walk the versions of `collection` (or of `global`). */
  versions?: boolean
}

export type MigrateDocumentsProgress = {
  /** Documents written with a new value. */
  changed: number
  /** Where the walk continues; undefined once every page is done. */
  cursor?: string
  /** Documents deleted (`transform` returned `null`). */
  deleted: number
  /** Documents read (and passed to `transform`). */
  documents: number
}

export type MigrateDocumentsResult = MigrateDocumentsProgress & {
  /** The named run was recorded as done before this call: nothing was read or written. */
  alreadyDone: boolean
  /** Every page was walked (false only when `signal` stopped it). */
  done: boolean
  /** Continued a named run's record or a `cursor` (totals include the earlier run's). */
  resumed: boolean
}

export type ExplainArgs = {
  collection: string
  limit?: number
  locale?: string
  page?: number
  pagination?: boolean
  sort?: Sort
  where?: Where
}

/** An index read as `explain` shows it. */
export type ShownRead = { index: string; locale?: string; ranges: number }

export type Explanation = {
  /** One line: what was read. */
  description: string
  /** The plan: by id, which index and ranges, or the collection partition. */
  plan: Omit<Plan, 'countRead' | 'reads' | 'sortWalk'> & {
    /** For a walk of the sort field's index: the read its total is counted from. */
    countRead?: ShownRead
    reads?: ShownRead[]
    /** The sort-index walk a plan could take instead (weighed before it runs). */
    sortWalk?: ShownRead
  }
  /**
   * What the planner expected the plan to cost (items, RCU, requests), beside what it spent
   * (`itemsRead`, `rcu`, `requests`); absent when it had nothing to go on.
   */
  estimate?: { items: number; rcu: number; requests: number }
  /** Items DynamoDB read for this query (index entries, counters and documents). */
  itemsRead: number
  /** Capacity consumed and requests made by this query alone. */
  rcu: number
  requests: number
  requestsByCommand: Record<string, number>
  returned: number
  totalDocs?: number
  wcu: number
}

export type RebuildArgs = {
  collection: string
  /** Resume a rebuild from the `cursor` its `onProgress` last reported. */
  cursor?: string
  onProgress?: (progress: { cursor?: string; documents: number }) => void
  pageSize?: number
  /** Rebuild the collection's versions instead of its documents. */
  versions?: boolean
}

export type VerifyArgs = {
  /** The collection to check (or `global`: one of the two). */
  collection?: string
  /** The global to check (its document, or with `versions` its versions). */
  global?: string
  /** Documents read per request. @default 100 */
  pageSize?: number
  /** Check the collection's (or global's) versions instead of its documents. */
  versions?: boolean
}

/** One drifted item, as an example in an `IndexReport`. */
export type DriftExample = {
  /** The document the item belongs to (an entry's or marker's `id`, or the document lacking it). */
  id?: number | string
  pk: string
  /** What is wrong, in a few words. */
  reason: string
  sk: string
}

export type IndexReport = {
  /** No drift of any kind: every count below is 0 and `counter === documents`. */
  clean: boolean
  /** The counter kept with every create and delete (its raw value; 0 when absent). */
  counter: number
  /** `counter - documents`: 0 when the counter is right. */
  counterOff: number
  documents: number
  /**
   * Values held by more than one document in a unique index (data that predates the index, say).
   * Reported only: repair cannot choose which document keeps the value.
   */
  duplicateValues: number
  /** A few (up to 5) items of each kind. */
  examples: {
    duplicateValues: DriftExample[]
    missingEntries: DriftExample[]
    missingMarkers: DriftExample[]
    orphanEntries: DriftExample[]
    staleEntries: DriftExample[]
    staleMarkers: DriftExample[]
    valueCounters: DriftExample[]
  }
  /** Entries a document should have but does not. */
  missingEntries: number
  /** Uniqueness markers a document should hold but does not (its value is unprotected). */
  missingMarkers: number
  /** Entries pointing at no document, or at a value the document no longer has. */
  orphanEntries: number
  /** Entries that exist but carry a wrong `c` (the document's createdAt) or `id`. */
  staleEntries: number
  /** Markers whose owner (`id`) does not exist or no longer holds the value (they block it). */
  staleMarkers: number
  /**
   * Values of built indexes whose counters (indexes/valueCounters.ts) disagree with the
   * documents. `repairIndexes` sets them (online), `rebuildIndexes` recounts them.
   */
  valueCountersOff: number
}

export type RepairArgs = {
  /** The collection to repair (or `global`: one of the two). */
  collection?: string
  /** The global to repair (its document, or with `versions` its versions). */
  global?: string
  /** Documents read per request while looking for drift. @default 100 */
  pageSize?: number
  /** Repair the collection's (or global's) versions instead of its documents. */
  versions?: boolean
}

export type RepairReport = {
  /** The counter's correction, when it was off and could be corrected. */
  counter?: { from: number; to: number }
  /**
   * The counter looked off but creates and deletes kept changing it while it was being measured,
   * so it was left alone: run again when the collection is quieter.
   */
  counterUnsettled: boolean
  /** Values of counted indexes whose counters were set to what the documents hold. */
  valueCountersFixed?: number
  /**
   * Value counters looked off but writes kept changing the collection while they were measured,
   * so they were left alone: run again when the collection is quieter.
   */
  valueCountersUnsettled: boolean
  /** Documents whose entries or markers were written (each in its own transaction(s)). */
  documents: number
  entriesDeleted: number
  entriesPut: number
  /** The drift found before repairing (what `verifyIndexes` reported at that moment). */
  found: IndexReport
  markersDeleted: number
  markersPut: number
  /** Rounds over the drifted documents (a document changed meanwhile is re-checked next round). */
  passes: number
  /**
   * Documents left as they were: still changing after the last round, or blocked by a marker
   * that another document holds. Run `verifyIndexes` / `repairIndexes` again.
   */
  skipped: { id: number | string; reason: string }[]
}

/** Payload with this adapter's own methods on `payload.db` (`syncIndexes`, `iterateDocuments`, ...). */
export type MigrationPayload = { db: DynamoDBAdapter } & Omit<Payload, 'db'>

/** What a migration's `up` receives. */
export type MigrateUpArgs = { payload: MigrationPayload; req: PayloadRequest }
/** What a migration's `down` receives. */
export type MigrateDownArgs = { payload: MigrationPayload; req: PayloadRequest }
