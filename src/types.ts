import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { BaseDatabaseAdapter } from 'payload'

import type { CursorPage, IterateArgs } from './cursor.js'
import type { ExplainArgs, Explanation } from './explain.js'
import type { RebuildArgs } from './indexes/rebuild.js'
import type { IndexReport } from './indexes/verify.js'
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
