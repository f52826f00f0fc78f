import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { BaseDatabaseAdapter, Sort, Where } from 'payload'

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
  /** Migrations directory. @default 'migrations' in the project root */
  migrationDir?: string
  /** The single table that holds every item of this Payload instance. */
  tableName: string
}

export type IDType = 'number' | 'text'

export type DynamoDBAdapter = {
  client: DynamoDBClient
  consistentRead: boolean
  createTable: boolean
  docClient: DynamoDBDocumentClient
  /** How a find would be answered, with the requests and capacity it takes. */
  explain: (args: ExplainArgs) => Promise<Explanation>
  generatedIDType: 'objectID' | 'uuid'
  logFallbackQueries: boolean
  /** Walks a collection page by page with DynamoDB's cursor (resumable). */
  iterateDocuments: (args: IterateArgs) => AsyncGenerator<CursorPage>
  /** Whether the adapter created the client (and so closes it on destroy). */
  ownsClient: boolean
  /** Builds or rebuilds one collection's index entries, markers and counter from its documents. */
  rebuildIndexes: (args: RebuildArgs) => Promise<number>
  /** Request counts and consumed capacity since the adapter connected (or since `resetStats`). */
  stats: RequestStats
  tableName: string
  /** Checks one collection's index entries and counter against its documents. */
  verifyIndexes: (args: { collection: string }) => Promise<IndexReport>
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

export type ExplainArgs = {
  collection: string
  limit?: number
  locale?: string
  page?: number
  pagination?: boolean
  sort?: Sort
  where?: Where
}

export type Explanation = {
  /** One line: what was read. */
  description: string
  /** The plan: by id, which index and ranges, or the collection partition. */
  plan: Omit<Plan, 'reads'> & { reads?: { index: string; locale?: string; ranges: number }[] }
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

export type IndexReport = {
  /** The counter kept with every create and delete. */
  counter: number
  documents: number
  /** Entries a document should have but does not. */
  missingEntries: number
  /** Entries pointing at no document, or at a value the document no longer has. */
  orphanEntries: number
}
