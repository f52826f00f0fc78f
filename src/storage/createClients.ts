import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'

import type { DynamoDBAdapterArgs } from '../types.js'

/**
 * How many times the client the adapter creates sends a request before giving up, counting the
 * first. The SDK's standard retry strategy retries throttling (`ThrottlingException`,
 * `ProvisionedThroughputExceededException`, `RequestLimitExceeded`, HTTP 429), 5xx (500-504) and
 * dropped or refused connections and timeouts, with exponential backoff and full jitter: 25 ms
 * base for transient errors, 1 s base for throttling (capped at 20 s). Six attempts ride out a
 * throttling burst of about 15 s on average (31 s at worst) before the request fails with an
 * `APIError`, while an unreachable endpoint fails within a second. The SDK's own default for
 * DynamoDB is 4. Retries draw on the client's retry budget (500 tokens, 5 per throttled retry, 14
 * per other retry): once a burst spends it, requests get one attempt until successes refill it.
 */
export const DEFAULT_MAX_ATTEMPTS = 6

/**
 * `standard`, not `adaptive`: adaptive mode puts a client-side rate limiter on the whole client
 * after a throttle, which slows every request of a web server; it suits bulk jobs (migrations,
 * imports), which can pass `clientConfig: { retryMode: 'adaptive' }`.
 */
export const DEFAULT_RETRY_MODE = 'standard'

/**
 * Socket timeouts of the client the adapter creates. Without them a connection that never answers
 * holds a request for five minutes (the SDK's default socket timeout for DynamoDB). Both are
 * retried by the SDK as transient errors.
 */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000
export const DEFAULT_SOCKET_TIMEOUT_MS = 30_000

/** How the document client writes values (also used for the images of writes, storedImage.ts). */
export const MARSHALL_OPTIONS = {
  // A JavaScript number beyond ±2^53 is still a number Payload stores (as db-sqlite's REAL
  // does): it is sent as its shortest decimal form, which reads back as the same double.
  allowImpreciseNumbers: true,
  convertEmptyValues: false,
  removeUndefinedValues: true,
} as const

/**
 * How it reads them: numbers as JavaScript numbers at any magnitude (never BigInt, which Payload
 * does not expect and JSON cannot hold).
 */
export const UNMARSHALL_OPTIONS = { wrapNumbers: (value: string) => Number(value) }

/**
 * Builds the low-level client (or takes the injected one) and the document client on top of it.
 * The SDK's default Node.js handler already keeps connections alive, so one adapter reuses its sockets.
 *
 * A client the adapter creates gets the retry and timeout defaults above; anything in
 * `clientConfig` (or `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` in the environment) overrides them. An
 * injected `client` is used as it is.
 */
export function createClients(args: Pick<DynamoDBAdapterArgs, 'client' | 'clientConfig'>): {
  client: DynamoDBClient
  docClient: DynamoDBDocumentClient
} {
  if (args.client && args.clientConfig) {
    throw new Error('dynamodbAdapter: pass either `client` or `clientConfig`, not both.')
  }
  const client = args.client ?? new DynamoDBClient(withDefaults(args.clientConfig ?? {}))
  const docClient = DynamoDBDocumentClient.from(client, {
    marshallOptions: MARSHALL_OPTIONS,
    unmarshallOptions: UNMARSHALL_OPTIONS,
  })
  return { client, docClient }
}

/** The user's client configuration over the adapter's retry and timeout defaults. */
export function withDefaults(
  config: DynamoDBClientConfig,
  env: NodeJS.ProcessEnv = process.env,
): DynamoDBClientConfig {
  const merged: DynamoDBClientConfig = { ...config }
  if (merged.maxAttempts === undefined && !env.AWS_MAX_ATTEMPTS) {
    merged.maxAttempts = DEFAULT_MAX_ATTEMPTS
  }
  if (merged.retryMode === undefined && !env.AWS_RETRY_MODE) {
    merged.retryMode = DEFAULT_RETRY_MODE
  }
  const handler = merged.requestHandler
  // Options for the default Node.js handler (not a handler instance): fill in the timeouts.
  if (handler === undefined || (typeof handler === 'object' && !('handle' in handler))) {
    merged.requestHandler = {
      connectionTimeout: DEFAULT_CONNECTION_TIMEOUT_MS,
      socketTimeout: DEFAULT_SOCKET_TIMEOUT_MS,
      ...(handler ?? {}),
    }
  }
  return merged
}
