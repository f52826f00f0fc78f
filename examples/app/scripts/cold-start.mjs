// Measures the cold start of the built app (`npm run build` first): a fresh `next start` process
// with `createTable` off, as on AWS Lambda, until it has answered its first request. Prints, per
// run: when the HTTP server listened, when the first page that reads DynamoDB (`/`: Payload init,
// the adapter's connect, findGlobal + find) was answered, and a second request to the same page.
//
//   node scripts/cold-start.mjs [runs]      (DynamoDB Local in memory, or DYNAMODB_ENDPOINT)
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

import { freePort, startDynamoDBLocal } from './dynamodb-local.mjs'
import { appDir } from './prepare.mjs'

const runs = Number(process.argv[2] || 5)
const local = process.env.DYNAMODB_ENDPOINT ? null : await startDynamoDBLocal()
const endpoint = process.env.DYNAMODB_ENDPOINT ?? local.endpoint

async function timeUntilAnswered(url, since) {
  for (;;) {
    const answered = await fetch(url).then(
      (response) => response.arrayBuffer().then(() => response.status),
      () => 0,
    )
    if (answered) {
      return { ms: performance.now() - since, status: answered }
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

async function coldStart(createTable) {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const started = performance.now()
  const server = spawn(
    join(appDir, 'node_modules', '.bin', 'next'),
    ['start', '-p', String(port)],
    {
      cwd: appDir,
      detached: true,
      env: {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        DYNAMODB_CREATE_TABLE: String(createTable),
        DYNAMODB_ENDPOINT: endpoint,
        DYNAMODB_TABLE: 'cold-start',
        NEXT_TELEMETRY_DISABLED: '1',
        NODE_ENV: 'production',
        PAYLOAD_SECRET: 'cold-start-measurement',
      },
      stdio: 'ignore',
    },
  )
  try {
    // A static file: answered as soon as Next.js listens, without Payload.
    const listening = await timeUntilAnswered(`${base}/favicon.ico`, started)
    const first = await timeUntilAnswered(`${base}/`, started)
    const secondStart = performance.now()
    const second = await timeUntilAnswered(`${base}/`, secondStart)
    if (first.status !== 200 || second.status !== 200) {
      throw new Error(`GET / answered ${first.status}, then ${second.status}`)
    }
    return { first: first.ms, listening: listening.ms, second: second.ms }
  } finally {
    process.kill(-server.pid, 'SIGKILL')
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const ms = (value) => `${Math.round(value)} ms`

try {
  await coldStart(true) // creates the table; not measured
  const results = []
  for (let run = 1; run <= runs; run++) {
    const result = await coldStart(false)
    results.push(result)
    console.log(
      `run ${run}: listening ${ms(result.listening)}, first answer ${ms(result.first)}, second request ${ms(result.second)}`,
    )
  }
  console.log(
    `median of ${runs}: listening ${ms(median(results.map((r) => r.listening)))}, first answer ${ms(median(results.map((r) => r.first)))}, second request ${ms(median(results.map((r) => r.second)))}`,
  )
} finally {
  local?.engine.kill('SIGTERM')
}
