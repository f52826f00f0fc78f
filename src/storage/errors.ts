import { APIError } from 'payload'

/**
 * Turns what DynamoDB (or the AWS SDK on the way to it) finally failed with into an `APIError`
 * whose message says what happened and what to do. By the time an error gets here the SDK's retry
 * strategy (see createClients.ts) has already retried what is worth retrying: throttling, 5xx and
 * dropped connections.
 *
 * Two errors are not mapped, because the write path interprets them itself (which write lost a
 * race, which unique value is taken): `ConditionalCheckFailedException` and
 * `TransactionCanceledException`. `send()` rethrows those unchanged; see `passesThrough`.
 */

/** What the message may name about the failed request. */
export type DynamoDBErrorContext = {
  /** Where the client sends its requests (`http://127.0.0.1:8000`, `dynamodb.eu-west-1.amazonaws.com`). */
  endpoint?: string
  /** The DynamoDB API action that failed (`Query`, `BatchGetItem`, `TransactWriteItems`, ...). */
  operation?: string
  /** The table the request was for. */
  tableName?: string
}

/** What an `APIError` made here carries in `data` (no credentials, no request contents). */
export type DynamoDBErrorData = {
  /** How many times the SDK sent the request (1 when it was not retried). */
  attempts?: number
  /** The SDK's error name or Node.js error code, e.g. `ThrottlingException`, `ECONNREFUSED`. */
  code: string
  /** What kind of failure this was. */
  kind: DynamoDBFailureKind
  operation?: string
}

export type DynamoDBFailureKind =
  | 'accessDenied'
  | 'conditionFailed'
  | 'invalidRequest'
  | 'itemTooLarge'
  | 'serverError'
  | 'tableMissing'
  | 'throttled'
  | 'transactionCanceled'
  | 'transactionConflict'
  | 'unknown'
  | 'unprocessed'
  | 'unreachable'

type SdkErrorLike = {
  $fault?: string
  $metadata?: { attempts?: number; httpStatusCode?: number }
  CancellationReasons?: { Code?: string; Message?: string }[]
  cause?: unknown
  code?: string
  message?: string
  name?: string
}

const THROTTLING_ADVICE: Record<string, string> = {
  ProvisionedThroughputExceededException:
    "the table or one of its indexes used up its provisioned throughput; retry later, raise the table's capacity or switch it to on-demand",
  RequestLimitExceeded:
    "the account's throughput quota was exceeded; retry later or ask AWS for a higher account quota",
  ThrottlingException: "retry later or raise the table's capacity",
  TooManyRequestsException: "retry later or raise the table's capacity",
}

/** Node.js socket errors: the request never got an answer. */
const NETWORK_CODES = new Set([
  'EAI_AGAIN',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
])

const ACCESS_ERRORS = new Set([
  'AccessDeniedException',
  'ExpiredTokenException',
  'IncompleteSignatureException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
])

const PASS_THROUGH = new Set(['ConditionalCheckFailedException', 'TransactionCanceledException'])

/**
 * The errors `send()` rethrows unchanged for the write path to interpret:
 * `ConditionalCheckFailedException` and `TransactionCanceledException` (whatever its reasons).
 */
export function passesThrough(error: unknown): boolean {
  return PASS_THROUGH.has(nameOf(error))
}

/**
 * Whether a write failed because one of its conditions did not hold: a single conditional write's
 * `ConditionalCheckFailedException`, or a transaction cancelled with at least one
 * `ConditionalCheckFailed` reason. A transaction cancelled only for other reasons (conflicts with
 * other transactions, throttling, validation) is not a condition failure.
 */
export function isConditionFailure(error: unknown): boolean {
  const name = nameOf(error)
  if (name === 'ConditionalCheckFailedException') {
    return true
  }
  return (
    name === 'TransactionCanceledException' &&
    cancellationCodes(error).some((code) => code === 'ConditionalCheckFailed')
  )
}

/** Whether the error is DynamoDB's "item is over 400 KB" (also as a transaction's reason). */
export function isItemTooLarge(error: unknown): boolean {
  const e = error as SdkErrorLike | undefined
  const tooLarge = (message: string | undefined) =>
    /item size (to update )?has exceeded the maximum allowed size/i.test(message ?? '')
  if (nameOf(error) === 'TransactionCanceledException') {
    return (e?.CancellationReasons ?? []).some(
      (reason) => reason.Code === 'ValidationError' && tooLarge(reason.Message),
    )
  }
  return nameOf(error) === 'ValidationException' && tooLarge(e?.message)
}

/**
 * Whether DynamoDB refused a request as invalid, which it does again on every attempt: a
 * `ValidationException` (a key over 1024 bytes, an item over 400 KB), or a transaction cancelled
 * for a `ValidationError` (no failed condition). Waiting does not help, unlike throttling or a
 * lost connection. Also for the `APIError` made of one (its `cause`).
 */
export function isRefusedRequest(error: unknown): boolean {
  const kind = (error as { data?: { kind?: unknown } } | undefined)?.data?.kind
  if (kind === 'invalidRequest' || kind === 'itemTooLarge') {
    return true
  }
  const raw = error instanceof APIError ? (error as { cause?: unknown }).cause : error
  const name = nameOf(raw)
  if (name === 'ValidationException' || name === 'SerializationException') {
    return true
  }
  const codes = name === 'TransactionCanceledException' ? cancellationCodes(raw) : []
  return codes.includes('ValidationError') && !codes.includes('ConditionalCheckFailed')
}

/**
 * The `APIError` for a DynamoDB failure. An `APIError` is returned as it is. The original error is
 * kept as `cause` for logs; `data` says what kind of failure it was (see `DynamoDBErrorData`).
 */
export function toAPIError(error: unknown, context: DynamoDBErrorContext = {}): APIError {
  if (error instanceof APIError) {
    return error
  }
  const e = (error ?? {}) as SdkErrorLike
  const { message: rawMessage, name } = unwrapped(e)
  const networkCode = networkCodeOf(error)
  const code = networkCode ?? name
  const attempts = e.$metadata?.attempts
  const status = e.$metadata?.httpStatusCode
  const detail = cleanMessage(rawMessage)
  const request = context.operation ? `the ${context.operation} request` : 'the request'
  const table = context.tableName ? `"${context.tableName}"` : ''
  const where = context.endpoint ?? 'its endpoint'
  const after = attemptsText(attempts)

  const make = (
    kind: DynamoDBFailureKind,
    message: string,
    httpStatus: number,
    isPublic = false,
  ): APIError => {
    const data: DynamoDBErrorData = { attempts, code, kind, operation: context.operation }
    const apiError = new APIError(message, httpStatus, data, isPublic)
    // APIError puts `data` into `cause`; the original error is what a log needs.
    Object.defineProperty(apiError, 'cause', {
      configurable: true,
      enumerable: false,
      value: error,
      writable: true,
    })
    return apiError
  }

  if (name in THROTTLING_ADVICE || status === 429) {
    return make(
      'throttled',
      `DynamoDB throttled ${request} (${name})${after}; ${THROTTLING_ADVICE[name] ?? THROTTLING_ADVICE.ThrottlingException}.`,
      503,
      true,
    )
  }
  if (networkCode || (name === 'TimeoutError' && status === undefined)) {
    const what =
      networkCode === 'ECONNRESET' || networkCode === 'EPIPE'
        ? 'the connection was dropped before DynamoDB answered'
        : name === 'TimeoutError' || networkCode === 'ETIMEDOUT'
          ? 'the request timed out'
          : detail || 'no connection'
    return make(
      'unreachable',
      `DynamoDB could not be reached at ${where} for ${request}: ${what} (${code})${after}; check the endpoint and the network.`,
      503,
    )
  }
  if (name === 'CredentialsProviderError') {
    return make(
      'accessDenied',
      `No AWS credentials for DynamoDB: ${detail}. Provide credentials (environment, shared config, IAM role) or pass \`clientConfig.credentials\` to dynamodbAdapter().`,
      500,
    )
  }
  if (ACCESS_ERRORS.has(name)) {
    const action = context.operation ? `dynamodb:${context.operation}` : 'the DynamoDB action'
    return make(
      'accessDenied',
      `DynamoDB denied ${request} (${name}): ${detail}. Check the credentials and that their IAM policy allows ${action}${table ? ` on table ${table}` : ''} and its indexes.`,
      500,
    )
  }
  if (name === 'ResourceNotFoundException') {
    return make(
      'tableMissing',
      `DynamoDB table ${table || '(unknown)'} was not found at ${where} (ResourceNotFoundException): ${detail}. Check \`tableName\`, the region and the endpoint, or create the table (\`createTable: true\` creates it on connect).`,
      500,
    )
  }
  if (isItemTooLarge(error)) {
    return make(
      'itemTooLarge',
      `An item is too large for DynamoDB, which stores at most 400 KB per item (${name}): ${detail}. Documents are gzipped and split before that limit, so this is another item (an index entry of a very long value, a journal part): report it as a bug of payload-db-dynamodb, with the operation that failed.`,
      413,
      true,
    )
  }
  if (name === 'TransactionConflictException') {
    return make(
      'transactionConflict',
      `DynamoDB rejected ${request} because a transaction was writing the same item (TransactionConflictException); retry the operation.`,
      409,
      true,
    )
  }
  if (name === 'ConditionalCheckFailedException') {
    return make(
      'conditionFailed',
      `A condition of ${request} did not hold (ConditionalCheckFailedException): the item was changed or removed concurrently; retry the operation.`,
      409,
      true,
    )
  }
  if (name === 'TransactionCanceledException') {
    const codes = cancellationCodes(error).filter((reason) => reason !== 'None')
    const throttled = codes.some((reason) => /Throttling|ProvisionedThroughput/.test(reason))
    const conflict = codes.length > 0 && codes.every((reason) => reason === 'TransactionConflict')
    return make(
      conflict ? 'transactionConflict' : throttled ? 'throttled' : 'transactionCanceled',
      `DynamoDB cancelled ${request} (TransactionCanceledException, reasons: ${codes.join(', ') || 'none given'})${after}; ${
        conflict
          ? 'another transaction was writing the same items; retry the operation'
          : throttled
            ? "retry later or raise the table's capacity"
            : 'no change was written'
      }.`,
      conflict ? 409 : throttled ? 503 : 500,
      conflict || throttled,
    )
  }
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) {
    return make(
      'serverError',
      `DynamoDB failed to answer ${request} with a server error (${name}${status ? `, HTTP ${status}` : ''})${after}: ${detail}. Retry later; if it persists, check the AWS Health Dashboard (or the DynamoDB Local process).`,
      503,
    )
  }
  if (name === 'ValidationException' || name === 'SerializationException') {
    return make(
      'invalidRequest',
      `DynamoDB rejected ${request} as invalid (${name}): ${detail}. This is likely a bug in payload-db-dynamodb; please report it with the operation that failed.`,
      500,
    )
  }
  return make(
    'unknown',
    `The DynamoDB ${context.operation ? `${context.operation} ` : ''}request failed (${name}${status ? `, HTTP ${status}` : ''})${after}: ${detail || 'no details'}.`,
    500,
  )
}

/** The error for `UnprocessedKeys`/`UnprocessedItems` still left after the batch retries. */
export function unprocessedError(args: {
  attempts: number
  left: number
  operation: 'BatchGetItem' | 'BatchWriteItem'
  tableName: string
  total: number
}): APIError {
  const items = args.operation === 'BatchGetItem' ? 'keys' : 'items'
  const data: DynamoDBErrorData = {
    attempts: args.attempts,
    code: args.operation === 'BatchGetItem' ? 'UnprocessedKeys' : 'UnprocessedItems',
    kind: 'unprocessed',
    operation: args.operation,
  }
  return new APIError(
    `DynamoDB left ${args.left} of ${args.total} ${items} of a ${args.operation} on table "${args.tableName}" unprocessed after ${args.attempts} attempts (the table is throttled); retry later or raise the table's capacity.`,
    503,
    data,
    true,
  )
}

/**
 * The name and message of the error the SDK was given. The SDK wraps what is not an `Error` of its
 * own realm (Node.js socket errors under Jest's VM modules, say) in an `Error` whose message is
 * "AWS SDK error wrapper for <name>: <message>", dropping its `code`.
 */
function unwrapped(error: SdkErrorLike): { message: string; name: string } {
  const message = typeof error.message === 'string' ? error.message : String(error.message ?? '')
  const wrapped = /^AWS SDK error wrapper for (?:(\w+): )?([\s\S]*)$/.exec(message)
  if (wrapped) {
    return { message: wrapped[2], name: wrapped[1] ?? 'Error' }
  }
  return { message, name: nameOf(error) || 'Error' }
}

function nameOf(error: unknown): string {
  const name = (error as SdkErrorLike | undefined)?.name
  return typeof name === 'string' ? name : ''
}

/** The Node.js socket error code of the error or its causes (the SDK renames some to TimeoutError). */
function networkCodeOf(error: unknown, depth = 0): string | undefined {
  const e = error as SdkErrorLike | undefined
  if (!e || typeof e !== 'object' || depth > 5) {
    return undefined
  }
  if (e.$metadata?.httpStatusCode || e.$fault) {
    return undefined
  }
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) {
    return e.code
  }
  if (typeof e.code !== 'string' && typeof e.message === 'string') {
    // The code is gone when the SDK wrapped the error (see `unwrapped`); the message keeps it.
    const inMessage = /\b(E[A-Z_]+|UND_ERR_SOCKET)\b/.exec(e.message)?.[1]
    if (inMessage && NETWORK_CODES.has(inMessage)) {
      return inMessage
    }
    if (/socket hang up/i.test(e.message)) {
      return 'ECONNRESET'
    }
  }
  return networkCodeOf(e.cause, depth + 1)
}

function cancellationCodes(error: unknown): string[] {
  return ((error as SdkErrorLike).CancellationReasons ?? []).map((reason) => reason.Code ?? 'None')
}

function attemptsText(attempts: number | undefined): string {
  return attempts ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` : ''
}

function cleanMessage(message: string | undefined): string {
  return (message ?? '').replace(/\s+/g, ' ').replace(/[.\s]+$/, '')
}
