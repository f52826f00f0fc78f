/**
 * What finally fails reaches Payload as an APIError saying what happened and what to do, except
 * the two errors the write path interprets itself.
 */
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'

import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb'
import { APIError } from 'payload'

import {
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_MODE,
  withDefaults,
} from '../../src/storage/createClients.js'
import {
  type DynamoDBErrorData,
  isConditionFailure,
  isItemTooLarge,
  isRefusedRequest,
  passesThrough,
  toAPIError,
  unprocessedError,
} from '../../src/storage/errors.js'
import { neverRaw } from '../../src/storage/neverRaw.js'
import { RevisionConflict } from '../../src/write/groupFailures.js'
import { LocksKept } from '../../src/write/journaledCommit.js'
import { IdTaken } from '../../src/write/takenCreates.js'

const context = {
  endpoint: 'http://127.0.0.1:8000',
  operation: 'Query',
  tableName: 'site',
}

function metadata(attempts: number, httpStatusCode: number) {
  return { $metadata: { attempts, httpStatusCode } }
}

function dataOf(error: APIError): DynamoDBErrorData {
  return error.data as unknown as DynamoDBErrorData
}

describe('toAPIError', () => {
  it.each([
    [
      'ThrottlingException',
      new ThrottlingException({ ...metadata(6, 400), message: 'Rate exceeded' }),
      /^DynamoDB throttled the Query request \(ThrottlingException\) after 6 attempts; retry later or raise the table's capacity\.$/,
    ],
    [
      'ProvisionedThroughputExceededException',
      new ProvisionedThroughputExceededException({ ...metadata(4, 400), message: 'x' }),
      /\(ProvisionedThroughputExceededException\) after 4 attempts; .*provisioned throughput.*on-demand/,
    ],
    [
      'RequestLimitExceeded',
      new RequestLimitExceeded({ ...metadata(6, 400), message: 'x' }),
      /\(RequestLimitExceeded\) after 6 attempts; the account's throughput quota/,
    ],
  ])('%s: throttled, 503, says to retry later', (_name, error, message) => {
    const mapped = toAPIError(error, context)
    expect(mapped).toBeInstanceOf(APIError)
    expect(mapped.message).toMatch(message)
    expect(mapped.status).toBe(503)
    expect(dataOf(mapped)).toMatchObject({ code: _name, kind: 'throttled' })
    expect(mapped.cause).toBe(error)
  })

  it('a refused connection names the endpoint and says to check it', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), {
      $metadata: { attempts: 6 },
      code: 'ECONNREFUSED',
    })
    const mapped = toAPIError(error, context)
    expect(mapped.message).toBe(
      'DynamoDB could not be reached at http://127.0.0.1:8000 for the Query request: connect ECONNREFUSED 127.0.0.1:8000 (ECONNREFUSED) after 6 attempts; check the endpoint and the network.',
    )
    expect(mapped.status).toBe(503)
    expect(mapped.isPublic).toBe(false)
  })

  it('a dropped connection (the SDK renames it TimeoutError) is "dropped", not "timed out"', () => {
    const error = Object.assign(new Error('socket hang up'), {
      $metadata: { attempts: 3 },
      code: 'ECONNRESET',
      name: 'TimeoutError',
    })
    expect(toAPIError(error, context).message).toMatch(
      /could not be reached at http:\/\/127\.0\.0\.1:8000 .*the connection was dropped before DynamoDB answered \(ECONNRESET\) after 3 attempts; check the endpoint/,
    )
  })

  it("a socket error the SDK wrapped (another realm's Error) keeps its meaning", () => {
    const refused = Object.assign(
      new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:8000'),
      { $metadata: { attempts: 2 } },
    )
    expect(toAPIError(refused, context).message).toBe(
      'DynamoDB could not be reached at http://127.0.0.1:8000 for the Query request: connect ECONNREFUSED 127.0.0.1:8000 (ECONNREFUSED) after 2 attempts; check the endpoint and the network.',
    )
    const hangUp = new Error('AWS SDK error wrapper for TimeoutError: socket hang up')
    expect(toAPIError(hangUp, context).message).toMatch(
      /: the connection was dropped before DynamoDB answered \(ECONNRESET\);/,
    )
  })

  it('a timeout', () => {
    const error = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })
    expect(toAPIError(error, context).message).toMatch(/the request timed out \(TimeoutError\)/)
  })

  it('5xx: a server error, retry later', () => {
    const error = new InternalServerError({ ...metadata(6, 500), message: 'Internal error' })
    const mapped = toAPIError(error, context)
    expect(mapped.message).toMatch(
      /^DynamoDB failed to answer the Query request with a server error \(InternalServerError, HTTP 500\) after 6 attempts: Internal error\. Retry later/,
    )
    expect(dataOf(mapped).kind).toBe('serverError')
  })

  it('access denied names the IAM action and the table', () => {
    // No modelled class: the SDK makes a DynamoDBServiceException named after the error type.
    const error = new DynamoDBServiceException({
      ...metadata(1, 400),
      $fault: 'client',
      name: 'AccessDeniedException',
      message: 'User: arn:aws:iam::1:user/x is not authorized to perform: dynamodb:Query',
    })
    expect(toAPIError(error, context).message).toMatch(
      /^DynamoDB denied the Query request \(AccessDeniedException\): User: .*\. Check the credentials and that their IAM policy allows dynamodb:Query on table "site"/,
    )
  })

  it('missing credentials', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    })
    expect(toAPIError(error, context).message).toMatch(/^No AWS credentials for DynamoDB/)
  })

  it('a missing table says how to create it', () => {
    const error = new ResourceNotFoundException({
      ...metadata(1, 400),
      message: 'Requested resource not found',
    })
    const mapped = toAPIError(error, context)
    expect(mapped.message).toMatch(
      /^DynamoDB table "site" was not found at http:\/\/127\.0\.0\.1:8000 .*createTable: true/,
    )
    expect(dataOf(mapped).kind).toBe('tableMissing')
  })

  it('an item over 400 KB', () => {
    const error = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
      ...metadata(1, 400),
      name: 'ValidationException',
    })
    const mapped = toAPIError(error, { ...context, operation: 'PutItem' })
    expect(mapped.message).toMatch(/^An item is too large for DynamoDB.*400 KB/)
    expect(mapped.status).toBe(413)
    expect(isItemTooLarge(error)).toBe(true)
  })

  it('other validation errors point at the adapter', () => {
    const error = Object.assign(new Error('One or more parameter values were invalid'), {
      ...metadata(1, 400),
      name: 'ValidationException',
    })
    expect(toAPIError(error, context).message).toMatch(/as invalid \(ValidationException\).*bug/)
  })

  it('a conflict with a transaction', () => {
    const error = new TransactionConflictException({ ...metadata(1, 400), message: 'x' })
    expect(toAPIError(error, context).status).toBe(409)
  })

  it('transaction cancellations, when the write path asks for a message', () => {
    const conflict = new TransactionCanceledException({
      ...metadata(1, 400),
      CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
      message: 'Transaction cancelled',
    })
    expect(toAPIError(conflict, context).message).toMatch(
      /reasons: TransactionConflict\) after 1 attempt; another transaction/,
    )
    const tooLarge = new TransactionCanceledException({
      ...metadata(1, 400),
      CancellationReasons: [
        { Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' },
      ],
      message: 'Transaction cancelled',
    })
    expect(toAPIError(tooLarge, context).status).toBe(413)
  })

  it('anything else still becomes an APIError with the original as cause', () => {
    const error = new TypeError('Cannot read properties of undefined')
    const mapped = toAPIError(error, context)
    expect(mapped).toBeInstanceOf(APIError)
    expect(mapped.message).toBe(
      'The DynamoDB Query request failed (TypeError): Cannot read properties of undefined.',
    )
    expect(mapped.cause).toBe(error)
  })

  it('an APIError is returned as it is', () => {
    const error = new APIError('already clear', 400)
    expect(toAPIError(error, context)).toBe(error)
  })

  it('works without context', () => {
    const error = new ThrottlingException({ $metadata: {}, message: 'x' })
    expect(toAPIError(error).message).toBe(
      "DynamoDB throttled the request (ThrottlingException); retry later or raise the table's capacity.",
    )
  })
})

describe('errors the write path interprets', () => {
  const conditional = new ConditionalCheckFailedException({ $metadata: {}, message: 'x' })
  const conditionReason = new TransactionCanceledException({
    $metadata: {},
    CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
    message: 'x',
  })
  const conflictOnly = new TransactionCanceledException({
    $metadata: {},
    CancellationReasons: [{ Code: 'TransactionConflict' }],
    message: 'x',
  })

  it('pass through send unchanged', () => {
    expect(passesThrough(conditional)).toBe(true)
    expect(passesThrough(conditionReason)).toBe(true)
    expect(passesThrough(conflictOnly)).toBe(true)
    expect(passesThrough(new ThrottlingException({ $metadata: {}, message: 'x' }))).toBe(false)
    expect(passesThrough(undefined)).toBe(false)
  })

  it('isConditionFailure: a failed condition, not any cancellation', () => {
    expect(isConditionFailure(conditional)).toBe(true)
    expect(isConditionFailure(conditionReason)).toBe(true)
    expect(isConditionFailure(conflictOnly)).toBe(false)
    expect(isConditionFailure(new Error('x'))).toBe(false)
    expect(isConditionFailure(null)).toBe(false)
  })

  it('isRefusedRequest: what DynamoDB refuses again on every attempt, also once made an APIError', () => {
    const invalid = Object.assign(new Error('key too long'), {
      ...metadata(1, 400),
      name: 'ValidationException',
    })
    const tooLarge = new TransactionCanceledException({
      $metadata: {},
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' },
      ],
      message: 'x',
    })
    const validationAndCondition = new TransactionCanceledException({
      $metadata: {},
      CancellationReasons: [{ Code: 'ValidationError' }, { Code: 'ConditionalCheckFailed' }],
      message: 'x',
    })
    for (const refused of [invalid, tooLarge]) {
      expect(isRefusedRequest(refused)).toBe(true)
      expect(isRefusedRequest(toAPIError(refused, context))).toBe(true)
    }
    // A failed condition is the write path's to interpret; the rest may pass on a retry.
    expect(isRefusedRequest(validationAndCondition)).toBe(false)
    for (const passing of [
      conflictOnly,
      conditional,
      new ThrottlingException({ $metadata: {}, message: 'x' }),
    ]) {
      expect(isRefusedRequest(passing)).toBe(false)
      expect(isRefusedRequest(toAPIError(passing, context))).toBe(false)
    }
    expect(isRefusedRequest(undefined)).toBe(false)
  })
})

it('unprocessedError says how much was left after how many attempts', () => {
  const error = unprocessedError({
    attempts: 10,
    left: 3,
    operation: 'BatchGetItem',
    tableName: 'site',
    total: 100,
  })
  expect(error).toBeInstanceOf(APIError)
  expect(error.message).toBe(
    'DynamoDB left 3 of 100 keys of a BatchGetItem on table "site" unprocessed after 10 attempts (the table is throttled); retry later or raise the table\'s capacity.',
  )
  expect(error.status).toBe(503)
})

describe('client defaults', () => {
  it('retries and timeouts by default', () => {
    expect(withDefaults({ region: 'eu-west-1' }, {})).toEqual({
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      region: 'eu-west-1',
      requestHandler: { connectionTimeout: DEFAULT_CONNECTION_TIMEOUT_MS, socketTimeout: 30_000 },
      retryMode: DEFAULT_RETRY_MODE,
    })
  })

  it('the user configuration wins', () => {
    const config = withDefaults(
      { maxAttempts: 2, requestHandler: { connectionTimeout: 100 }, retryMode: 'adaptive' },
      {},
    )
    expect(config).toMatchObject({
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 100, socketTimeout: 30_000 },
      retryMode: 'adaptive',
    })
  })

  it('so does the environment (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE)', () => {
    const config = withDefaults({}, { AWS_MAX_ATTEMPTS: '9', AWS_RETRY_MODE: 'adaptive' })
    expect(config.maxAttempts).toBeUndefined()
    expect(config.retryMode).toBeUndefined()
  })

  it('a request handler instance is left alone', () => {
    const handler = {
      destroy: () => undefined,
      handle: () => Promise.reject(new Error('not called')),
    } as unknown as DynamoDBClientConfig['requestHandler']
    expect(withDefaults({ requestHandler: handler }, {}).requestHandler).toBe(handler)
  })
})

describe('neverRaw: the adapter boundary', () => {
  it('turns the errors send() passes through into APIErrors, and leaves every other alone', async () => {
    const cancelled = new TransactionCanceledException({
      ...metadata(8, 400),
      CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
      message: 'Transaction cancelled',
    })
    const guarded = neverRaw(async (error: unknown) => {
      throw error
    })
    const raised = await guarded(cancelled).catch((error: unknown) => error)
    expect(raised).toBeInstanceOf(APIError)
    expect((raised as APIError).message).toMatch(/another transaction was writing the same items/)
    expect((raised as APIError).cause).toBe(cancelled)
    const condition = new ConditionalCheckFailedException({ ...metadata(1, 400), message: 'no' })
    expect(await guarded(condition).catch((error: unknown) => error)).toBeInstanceOf(APIError)
    const own = new APIError('already explained', 409)
    expect(await guarded(own).catch((error: unknown) => error)).toBe(own)
    const other = new Error('a bug')
    expect(await guarded(other).catch((error: unknown) => error)).toBe(other)
    await expect(neverRaw(async (n: number) => n + 1)(1)).resolves.toBe(2)
  })

  it("turns the write path's conflicts that no retry resolved into a 409 saying to retry", async () => {
    const guarded = neverRaw(async (error: unknown) => {
      throw error
    })
    for (const conflict of [
      new RevisionConflict([], []),
      new IdTaken([]),
      new LocksKept([], [], { keys: [], parts: { parts: 0 }, writeID: 'w' }),
    ]) {
      const raised = await guarded(conflict).catch((error: unknown) => error)
      expect(raised).toBeInstanceOf(APIError)
      expect((raised as APIError).status).toBe(409)
      expect((raised as APIError).message).toMatch(/Retry the operation/)
      expect((raised as APIError).cause).toBe(conflict)
    }
  })
})
