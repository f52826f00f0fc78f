import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { appDir } from '../../../examples/app/scripts/prepare.mjs'

export type AppServer = {
  /** Server log lines that report an error (Payload's ERROR, Next.js's ⨯, uncaught exceptions). */
  errors: string[]
  mediaDir: string
  stop: () => Promise<void>
  url: string
}

// Payload logs through pino (`ERROR`), Next.js marks failed requests with `⨯`.
const ERROR_LINE = /\bERROR\b|⨯|Unhandled|TypeError|ReferenceError/

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

async function waitForServer(url: string, child: ChildProcess, log: string[]): Promise<void> {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`next start exited with ${child.exitCode}:\n${log.join('')}`)
    }
    const answered = await fetch(`${url}/api/users/me`).then(
      (response) => response.status < 500,
      () => false,
    )
    if (answered) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`next start did not answer within 120 s:\n${log.join('')}`)
}

/** `next start` of the built example app on a free port, on the given DynamoDB table. */
export async function startAppServer(options: {
  endpoint: string
  tableName: string
}): Promise<AppServer> {
  const port = await freePort()
  const mediaDir = mkdtempSync(join(tmpdir(), 'e2e-media-'))
  const log: string[] = []
  const errors: string[] = []
  const child = spawn(join(appDir, 'node_modules', '.bin', 'next'), ['start', '-p', String(port)], {
    cwd: appDir,
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      DYNAMODB_CREATE_TABLE: 'true',
      DYNAMODB_ENDPOINT: options.endpoint,
      DYNAMODB_TABLE: options.tableName,
      MEDIA_DIR: mediaDir,
      NEXT_TELEMETRY_DISABLED: '1',
      NODE_ENV: 'production',
      NODE_OPTIONS: '--no-deprecation',
      PAYLOAD_SECRET: 'e2e-test-secret',
    },
    // Its own process group, so stopping it also ends whatever `next start` spawned.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8')
    stream?.on('data', (chunk: string) => {
      log.push(chunk)
      errors.push(...chunk.split('\n').filter((line) => ERROR_LINE.test(line)))
    })
  }
  const url = `http://127.0.0.1:${port}`
  const stop = () =>
    new Promise<void>((resolve) => {
      rmSync(mediaDir, { force: true, recursive: true })
      if (child.exitCode !== null) {
        resolve()
        return
      }
      child.once('exit', () => resolve())
      const group = -(child.pid ?? 0)
      process.kill(group, 'SIGTERM')
      setTimeout(() => {
        if (child.exitCode === null) {
          process.kill(group, 'SIGKILL')
        }
      }, 5000).unref()
    })
  try {
    await waitForServer(url, child, log)
  } catch (error) {
    await stop()
    throw error
  }
  return { errors, mediaDir, stop, url }
}
