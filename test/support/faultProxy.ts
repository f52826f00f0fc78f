/**
 * A fault-injecting HTTP proxy in front of DynamoDB Local, for tests of retries and error handling.
 *
 *   const proxy = await startFaultProxy({ seed: 7, rates: { drop: 0.1, throttle: 0.1 } })
 *   const adapter = dynamodbAdapter({ clientConfig: proxy.clientConfig(), tableName })
 *   ...
 *   proxy.configure({ rates: { lostResponse: 0.2 }, operations: ['TransactWriteItems'] })
 *   proxy.configure({ script: ['throttle', 'throttle'] }) // exactly the next two requests
 *   expect(proxy.counts().lostResponse).toBeGreaterThan(0)
 *   await proxy.close()
 *
 * `startFaultProxy(options)` listens on 127.0.0.1 (a free port) and forwards to `options.target`
 * (default `process.env.DYNAMODB_ENDPOINT`, set by test/support/globalSetup.mjs; must be
 * loopback). For each request it reads the whole body, then picks at most one fault:
 *
 * - `drop`: destroys the connection before forwarding (DynamoDB never sees the request).
 * - `lostResponse`: forwards, waits for DynamoDB's complete answer, then destroys the connection
 *   without answering: the request WAS applied, the client sees a dropped connection.
 * - `delay`: waits `delayMs` (default 250), then forwards normally.
 * - `throttle`: answers HTTP 400 with a `throttleType` error (default `ThrottlingException`; also
 *   `ProvisionedThroughputExceededException`, `RequestLimitExceeded`) without forwarding.
 * - `serverError`: answers HTTP `serverErrorStatus` (default 500, `InternalServerError`) without
 *   forwarding.
 * - `transactionConflict`: only for `TransactWriteItems`; answers `TransactionCanceledException`
 *   whose `CancellationReasons` has one entry per TransactItem, `TransactionConflict` for one of
 *   them (chosen by the seeded generator) and `None` for the others, without forwarding.
 * - `unprocessed`: only for `BatchGetItem`/`BatchWriteItem`; answers HTTP 200 with every key or
 *   item of the request in `UnprocessedKeys`/`UnprocessedItems` (as a throttled table does),
 *   without forwarding.
 *
 * Which fault: first the `script` (faults for the next matching requests, in order; `'pass'` for
 * none; a `transactionConflict` or `unprocessed` entry waits for a request it applies to), then `rates`
 * (probability per request of each mode, summing to at most 1). Only requests whose operation is in
 * `operations` (DynamoDB action names from `X-Amz-Target`, e.g. `PutItem`; default all) get
 * faults. One number of a seeded generator (`seed`, default 1) is drawn per matching request, so
 * a sequential workload gets the same faults on every run; with concurrent requests the sequence
 * of decisions is the same but which request gets which depends on arrival order.
 *
 * `configure(settings)` replaces all fault settings (unspecified ones return to their defaults;
 * the generator keeps its state). `counts()` is a snapshot of what the proxy did, also per
 * operation; `history()` lists the last 10,000 decisions; `resetCounts()` zeroes both.
 *
 * Bounded: it closes itself after `maxRequests` requests (default 100,000) or `lifetimeMs`
 * (default 10 minutes), refuses bodies over 20 MB, and never keeps the process alive (unref'd).
 * `close()` destroys open connections and pending delays.
 */
import { randomUUID } from 'node:crypto'
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodbLocal.mjs'
import { seeded } from './workload.js'

export type FaultMode =
  | 'delay'
  | 'drop'
  | 'lostResponse'
  | 'serverError'
  | 'throttle'
  | 'transactionConflict'
  | 'unprocessed'

export const FAULT_MODES: readonly FaultMode[] = [
  'drop',
  'lostResponse',
  'delay',
  'throttle',
  'serverError',
  'transactionConflict',
  'unprocessed',
]

export type ThrottleType =
  'ProvisionedThroughputExceededException' | 'RequestLimitExceeded' | 'ThrottlingException'

export type FaultSettings = {
  /** How long `delay` waits before forwarding. @default 250 */
  delayMs?: number
  /** Only requests for these DynamoDB actions (`PutItem`, `Query`, ...) get faults. @default all */
  operations?: string[]
  /** Probability per matching request of each fault (at most one per request; sum <= 1). */
  rates?: Partial<Record<FaultMode, number>>
  /** Faults for the next matching requests, in order, before `rates` apply. */
  script?: ('pass' | FaultMode)[]
  /** The HTTP status of `serverError`. @default 500 */
  serverErrorStatus?: number
  /** The error `throttle` answers with. @default 'ThrottlingException' */
  throttleType?: ThrottleType
}

export type FaultProxyOptions = FaultSettings & {
  /** Requests after which the proxy closes itself. @default 100_000 */
  maxRequests?: number
  /** Milliseconds after which the proxy closes itself. @default 600_000 */
  lifetimeMs?: number
  /** Seed of the generator that picks faults. @default 1 */
  seed?: number
  /** Where to forward (loopback only). @default process.env.DYNAMODB_ENDPOINT */
  target?: string
}

export type OperationCounts = {
  /** Requests DynamoDB received (no fault, `delay`, `lostResponse`). */
  forwarded: number
  requests: number
} & Record<FaultMode, number>

export type FaultCounts = OperationCounts & {
  byOperation: Record<string, OperationCounts>
  /** Requests answered with DynamoDB's own response (no fault or `delay`). */
  passed: number
}

export type FaultDecision = { fault: 'pass' | FaultMode; operation: string }

export type FaultProxy = {
  /** Client configuration for this proxy (DynamoDB Local credentials and region), plus `extra`. */
  clientConfig: <T extends object = object>(
    extra?: T,
  ) => { credentials: typeof LOCAL_CREDENTIALS; endpoint: string; region: string } & T
  close: () => Promise<void>
  /** Replaces the fault settings (unspecified ones return to their defaults). */
  configure: (settings: FaultSettings) => void
  counts: () => FaultCounts
  /** `http://127.0.0.1:<port>` */
  endpoint: string
  history: () => FaultDecision[]
  port: number
  resetCounts: () => void
}

const MAX_BODY_BYTES = 20 * 1024 * 1024
const MAX_HISTORY = 10_000
const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#'

function emptyOperationCounts(): OperationCounts {
  return {
    delay: 0,
    drop: 0,
    forwarded: 0,
    lostResponse: 0,
    requests: 0,
    serverError: 0,
    throttle: 0,
    transactionConflict: 0,
    unprocessed: 0,
  }
}

function emptyCounts(): FaultCounts {
  return { ...emptyOperationCounts(), byOperation: {}, passed: 0 }
}

function assertLoopback(url: URL): void {
  if (!['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname) || url.protocol !== 'http:') {
    throw new Error(`faultProxy: only forwards to a loopback http:// endpoint, not ${url.href}`)
  }
}

function validate(settings: FaultSettings): Required<Omit<FaultSettings, 'operations'>> & {
  operations?: Set<string>
} {
  const rates = settings.rates ?? {}
  let total = 0
  for (const [mode, rate] of Object.entries(rates)) {
    if (!FAULT_MODES.includes(mode as FaultMode) || !(rate >= 0 && rate <= 1)) {
      throw new Error(`faultProxy: bad rate ${mode}=${rate}`)
    }
    total += rate
  }
  if (total > 1 + 1e-9) {
    throw new Error(`faultProxy: fault rates add up to ${total}, more than 1`)
  }
  return {
    delayMs: settings.delayMs ?? 250,
    operations: settings.operations ? new Set(settings.operations) : undefined,
    rates,
    script: [...(settings.script ?? [])],
    serverErrorStatus: settings.serverErrorStatus ?? 500,
    throttleType: settings.throttleType ?? 'ThrottlingException',
  }
}

export async function startFaultProxy(options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const targetText = options.target ?? process.env.DYNAMODB_ENDPOINT
  if (!targetText) {
    throw new Error('faultProxy: no target (pass `target` or set DYNAMODB_ENDPOINT)')
  }
  const target = new URL(targetText)
  assertLoopback(target)
  const maxRequests = options.maxRequests ?? 100_000
  const random = seeded(options.seed ?? 1)
  let settings = validate(options)
  let counts = emptyCounts()
  let decisions: FaultDecision[] = []
  let seen = 0
  let closing: Promise<void> | undefined

  const agent = new Agent({ keepAlive: true, maxSockets: 64 })
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()

  const later = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timer.unref()
      timers.add(timer)
    })

  function choose(operation: string): 'pass' | FaultMode {
    if (settings.operations && !settings.operations.has(operation)) {
      return 'pass'
    }
    const next = settings.script[0]
    if (next !== undefined) {
      if (next !== 'pass' && !applies(next, operation)) {
        return 'pass'
      }
      settings.script.shift()
      return next
    }
    const draw = random()
    let cumulative = 0
    for (const mode of FAULT_MODES) {
      if (!applies(mode, operation)) {
        continue
      }
      cumulative += settings.rates[mode] ?? 0
      if (draw < cumulative) {
        return mode
      }
    }
    return 'pass'
  }

  function count(operation: string, fault: 'pass' | FaultMode): void {
    const perOperation = (counts.byOperation[operation] ??= emptyOperationCounts())
    for (const bucket of [counts, perOperation]) {
      bucket.requests++
      if (fault !== 'pass') {
        bucket[fault]++
      }
      if (fault === 'pass' || fault === 'delay' || fault === 'lostResponse') {
        bucket.forwarded++
      }
    }
    if (fault === 'pass' || fault === 'delay') {
      counts.passed++
    }
    decisions.push({ fault, operation })
    if (decisions.length > MAX_HISTORY) {
      decisions = decisions.slice(-MAX_HISTORY)
    }
  }

  function answerError(
    res: ServerResponse,
    status: number,
    type: string,
    body: Record<string, unknown>,
  ): void {
    const text = JSON.stringify({ __type: `${ERROR_PREFIX}${type}`, ...body })
    res.writeHead(status, {
      'Content-Length': Buffer.byteLength(text),
      'Content-Type': 'application/x-amz-json-1.0',
      'x-amzn-ErrorType': type,
      'x-amzn-RequestId': randomUUID(),
    })
    res.end(text)
  }

  function forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ body: Buffer; headers: IncomingMessage['headers']; status: number }> {
    return new Promise((resolve, reject) => {
      const upstream = request(
        {
          agent,
          headers: { ...req.headers, host: target.host },
          host: target.hostname.replace(/^\[|\]$/g, ''),
          method: req.method,
          path: req.url,
          port: target.port,
        },
        (response) => {
          const chunks: Buffer[] = []
          response.on('data', (chunk: Buffer) => chunks.push(chunk))
          response.on('end', () =>
            resolve({
              body: Buffer.concat(chunks),
              headers: response.headers,
              status: response.statusCode ?? 502,
            }),
          )
          response.on('error', reject)
        },
      )
      upstream.on('error', reject)
      upstream.end(body)
    })
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const targetHeader = req.headers['x-amz-target']
    const operation = (Array.isArray(targetHeader) ? targetHeader[0] : targetHeader)?.split('.')[1]
    const name = operation ?? 'unknown'
    const fault = choose(name)
    count(name, fault)
    switch (fault) {
      case 'drop':
        req.socket.destroy()
        return
      case 'throttle':
        answerError(res, 400, settings.throttleType, {
          message: `Throughput exceeds the current capacity of your table or index (${settings.throttleType} injected by faultProxy)`,
        })
        return
      case 'serverError':
        answerError(res, settings.serverErrorStatus, 'InternalServerError', {
          message: 'Internal server error (injected by faultProxy)',
        })
        return
      case 'transactionConflict': {
        let items = 1
        try {
          items = Math.max(1, (JSON.parse(body.toString('utf8')).TransactItems ?? []).length)
        } catch {
          // Not JSON: one reason.
        }
        const conflicting = Math.floor(random() * items)
        const reasons = Array.from({ length: items }, (_, index) =>
          index === conflicting
            ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
            : { Code: 'None' },
        )
        answerError(res, 400, 'TransactionCanceledException', {
          CancellationReasons: reasons,
          Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
        })
        return
      }
      case 'unprocessed': {
        const requestItems = (JSON.parse(body.toString('utf8')).RequestItems ?? {}) as Record<
          string,
          unknown
        >
        const text = JSON.stringify(
          name === 'BatchGetItem'
            ? {
                Responses: Object.fromEntries(
                  Object.keys(requestItems).map((table) => [table, []]),
                ),
                UnprocessedKeys: requestItems,
              }
            : { UnprocessedItems: requestItems },
        )
        res.writeHead(200, {
          'Content-Length': Buffer.byteLength(text),
          'Content-Type': 'application/x-amz-json-1.0',
          'x-amzn-RequestId': randomUUID(),
        })
        res.end(text)
        return
      }
      case 'delay':
        await later(settings.delayMs)
        break
      default:
        break
    }
    if (closing) {
      req.socket.destroy()
      return
    }
    const answer = await forward(req, body)
    if (fault === 'lostResponse') {
      req.socket.destroy()
      return
    }
    const headers = { ...answer.headers }
    delete headers['transfer-encoding']
    delete headers.connection
    delete headers['keep-alive']
    headers['content-length'] = String(answer.body.length)
    res.writeHead(answer.status, headers)
    res.end(answer.body)
  }

  const server = createServer((req, res) => {
    if (
      closing ||
      !['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(req.socket.remoteAddress ?? '')
    ) {
      req.socket.destroy()
      return
    }
    if (++seen > maxRequests) {
      req.socket.destroy()
      void close()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.socket.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch(() => {
        // DynamoDB Local unreachable, or the proxy closing: the client sees a dropped connection.
        req.socket.destroy()
      })
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.unref()

  function close(): Promise<void> {
    closing ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime)
      for (const timer of timers) {
        clearTimeout(timer)
      }
      timers.clear()
      server.close(() => resolve())
      for (const socket of sockets) {
        socket.destroy()
      }
      agent.destroy()
    })
    return closing
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 600_000)
  lifetime.unref()

  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const endpoint = `http://127.0.0.1:${port}`

  return {
    clientConfig: <T extends object = object>(extra?: T) => ({
      credentials: LOCAL_CREDENTIALS,
      endpoint,
      region: LOCAL_REGION,
      ...(extra as T),
    }),
    close,
    configure: (next) => {
      settings = validate(next)
    },
    counts: () => structuredClone(counts),
    endpoint,
    history: () => [...decisions],
    port,
    resetCounts: () => {
      counts = emptyCounts()
      decisions = []
    },
  }
}

/** Whether a fault can be applied to a request for `operation`. */
function applies(mode: FaultMode, operation: string): boolean {
  if (mode === 'transactionConflict') {
    return operation === 'TransactWriteItems'
  }
  if (mode === 'unprocessed') {
    return operation === 'BatchGetItem' || operation === 'BatchWriteItem'
  }
  return true
}
