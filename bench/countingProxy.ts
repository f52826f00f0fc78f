/**
 * A counting HTTP proxy in front of DynamoDB Local: it forwards every request unchanged and, from
 * each response, counts what DynamoDB did.
 *
 * - `itemsRead`: items DynamoDB examined: `ScannedCount` of a Query/Scan (a FilterExpression does
 *   not lower it, a `Select: COUNT` does not either), one per item found by GetItem, the items of
 *   BatchGetItem/TransactGetItems responses.
 * - `itemsReturned`: items that crossed the network back (a `Select: COUNT` returns none).
 * - `rcu` / `wcu`: the `ConsumedCapacity` DynamoDB reported (the adapter asks for it on every
 *   request; `missingCapacity` counts responses without it, so a gap cannot hide).
 */
import { createServer, type IncomingMessage } from 'node:http'

export type Tally = {
  itemsRead: number
  itemsReturned: number
  missingCapacity: number
  rcu: number
  requests: number
  requestsByOperation: Record<string, number>
  wcu: number
}

export type CountingProxy = {
  close: () => Promise<void>
  endpoint: string
  /** Totals since the proxy started (take two and subtract with `difference`). */
  tally: () => Tally
}

export function emptyTally(): Tally {
  return {
    itemsRead: 0,
    itemsReturned: 0,
    missingCapacity: 0,
    rcu: 0,
    requests: 0,
    requestsByOperation: {},
    wcu: 0,
  }
}

export function difference(after: Tally, before: Tally): Tally {
  const byOperation: Record<string, number> = {}
  for (const [operation, count] of Object.entries(after.requestsByOperation)) {
    const delta = count - (before.requestsByOperation[operation] ?? 0)
    if (delta > 0) {
      byOperation[operation] = delta
    }
  }
  return {
    itemsRead: after.itemsRead - before.itemsRead,
    itemsReturned: after.itemsReturned - before.itemsReturned,
    missingCapacity: after.missingCapacity - before.missingCapacity,
    rcu: after.rcu - before.rcu,
    requests: after.requests - before.requests,
    requestsByOperation: byOperation,
    wcu: after.wcu - before.wcu,
  }
}

type Capacity = {
  CapacityUnits?: number
  ReadCapacityUnits?: number
  WriteCapacityUnits?: number
}

type Response = {
  ConsumedCapacity?: Capacity | Capacity[]
  Count?: number
  Item?: unknown
  Items?: unknown[]
  Responses?: unknown[] | Record<string, unknown[]>
  ScannedCount?: number
}

const READS = new Set(['BatchGetItem', 'GetItem', 'Query', 'Scan', 'TransactGetItems'])

function countResponse(tally: Tally, operation: string, body: Buffer): void {
  tally.requests++
  tally.requestsByOperation[operation] = (tally.requestsByOperation[operation] ?? 0) + 1
  let response: Response
  try {
    response = JSON.parse(body.toString('utf8')) as Response
  } catch {
    return
  }
  let returned = 0
  if (Array.isArray(response.Items)) {
    returned = response.Items.length
  } else if (response.Item) {
    returned = 1
  } else if (Array.isArray(response.Responses)) {
    returned = response.Responses.filter((entry) => entry && typeof entry === 'object').length
  } else if (response.Responses) {
    returned = Object.values(response.Responses).reduce((sum, items) => sum + items.length, 0)
  }
  tally.itemsReturned += returned
  tally.itemsRead += response.ScannedCount ?? response.Count ?? returned
  const consumed = response.ConsumedCapacity
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : []
  if (list.length === 0 && !('__type' in response)) {
    tally.missingCapacity++
  }
  for (const entry of list) {
    const read = entry.ReadCapacityUnits
    const write = entry.WriteCapacityUnits
    if (read === undefined && write === undefined) {
      const total = entry.CapacityUnits ?? 0
      if (READS.has(operation)) {
        tally.rcu += total
      } else {
        tally.wcu += total
      }
    } else {
      tally.rcu += read ?? 0
      tally.wcu += write ?? 0
    }
  }
}

/** Starts the proxy on a free loopback port, forwarding to `target` (DynamoDB Local). */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target)
  const tally = emptyTally()

  // Hop-by-hop and length headers are the transport's own, on each side.
  const skipped = new Set([
    'connection',
    'content-length',
    'host',
    'keep-alive',
    'transfer-encoding',
  ])
  const forward = async (req: IncomingMessage, body: Buffer) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !skipped.has(name)) {
        headers.set(name, value)
      }
    }
    const response = await fetch(new URL(req.url ?? '/', upstream), {
      body,
      headers,
      method: req.method,
    })
    const answer = Buffer.from(await response.arrayBuffer())
    const answerHeaders: Record<string, string> = { 'content-length': String(answer.length) }
    response.headers.forEach((value, name) => {
      if (!skipped.has(name) && name !== 'content-encoding') {
        answerHeaders[name] = value
      }
    })
    return { body: answer, headers: answerHeaders, status: response.status }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const targetHeader = req.headers['x-amz-target']
      const operation =
        (Array.isArray(targetHeader) ? targetHeader[0] : targetHeader)?.split('.')[1] ?? 'unknown'
      forward(req, Buffer.concat(chunks))
        .then((answer) => {
          countResponse(tally, operation, answer.body)
          res.writeHead(answer.status, answer.headers)
          res.end(answer.body)
        })
        .catch(() => req.socket.destroy())
    })
  })
  server.unref()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
    endpoint: `http://127.0.0.1:${port}`,
    tally: () => structuredClone(tally),
  }
}
