/**
 * A read-lease holder in a real child process (`node --import tsx`) that is paused with
 * `SIGSTOP` (as a frozen Lambda), or whose event loop is blocked by a synchronous loop, for longer
 * than its lease while another process writes. When it resumes, the operations queued while it
 * was paused start before any of its timers could confirm anything; every one must be exact:
 * a find and a count show the write, a create judges a unique value and a relationship by what
 * is stored now.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { type ChildProcess, spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { revocationWait } from '../../src/leases/leaseTiming.js'
import { bootOnTable } from '../support/bootPayload.js'
import { setEnv } from '../support/env.js'

const LEASE_MS = 1000
const ROOT = process.cwd()

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      { slug: 'authors', fields: [{ name: 'name', type: 'text' }] },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'slug', type: 'text', unique: true },
          { name: 'views', type: 'number' },
          { name: 'author', type: 'relationship', relationTo: 'authors' },
        ],
      },
    ],
    db,
    secret: 'paused-holder',
    telemetry: false,
  }
}

const CHILD = `
import { createInterface } from 'node:readline'
import { existsSync } from 'node:fs'
import { buildConfig, getPayload } from '${ROOT}/node_modules/payload/dist/index.js'
import { testDynamoAdapter } from '${ROOT}/test/support/bootPayload.ts'
import { leaseServes } from '${ROOT}/src/leases/holdLease.ts'
import { holders } from '${ROOT}/src/leases/leaseState.ts'
import { collectionNamespace } from '${ROOT}/src/namespaces.ts'

const config = ${config.toString().replace(/^function config\(db\)/, '(db) =>')}
const given = config(testDynamoAdapter(process.env.PAUSED_HOLDER_TABLE, { readCache: {} }))
const payload = await getPayload({
  config: await buildConfig({ ...given, typescript: { autoGenerate: false } }),
  key: 'child',
})
const adapter = payload.db
const pk = (slug) => collectionNamespace(adapter, slug).pk
const served = () => ({ authors: leaseServes(adapter, pk('authors')), posts: leaseServes(adapter, pk('posts')) })
const out = (message) => process.stdout.write(JSON.stringify(message) + '\\n')

async function run(command) {
  switch (command.op) {
    case 'lease': {
      for (let round = 0; round < 400; round++) {
        await payload.count({ collection: 'posts' })
        await payload.find({ collection: 'authors', depth: 0, limit: 1 })
        const now = served()
        if (now.posts && now.authors) return { rounds: round }
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      throw new Error('no lease')
    }
    case 'state': {
      const holding = holders.get(adapter)?.holdings.get(pk('posts'))
      return { served: served(), msLeft: holding ? holding.validUntil - performance.now() : null }
    }
    case 'find': {
      const found = await payload.find({ collection: 'posts', depth: 0, where: { title: { equals: command.title } } })
      return { views: found.docs.map((doc) => doc.views) }
    }
    case 'count': {
      return { count: (await payload.count({ collection: 'posts', where: command.where })).totalDocs }
    }
    case 'create': {
      try {
        const doc = await payload.create({ collection: 'posts', data: command.data })
        return { created: doc.id }
      } catch (error) {
        return { error: error.name + ': ' + error.message }
      }
    }
    case 'skew': {
      // The wall clock steps (NTP): Date.now() jumps by command.ms from now on.
      const real = Date.now
      Date.now = () => real() + command.ms
      return { skewed: command.ms }
    }
    case 'block': {
      // A long synchronous stretch: the event loop runs nothing until the file appears.
      while (!existsSync(command.file)) {}
      return { blocked: true }
    }
    case 'exit': {
      await payload.destroy()
      setTimeout(() => process.exit(0), 10)
      return {}
    }
  }
}

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  const command = JSON.parse(line)
  // Served-before: what the lease said when the command was taken (before any await).
  const before = served()
  const stats = adapter.stats.snapshot()
  run(command).then(
    (result) => out({ id: command.id, before, requests: adapter.stats.snapshot().requests - stats.requests, ...result }),
    (error) => out({ id: command.id, failed: String(error && error.stack || error) }),
  )
})
out({ id: 'ready' })
`

type Reply = Record<string, unknown> & { id: string }

class Child {
  private buffer = ''
  private waiting = new Map<string, (reply: Reply) => void>()
  private replies = new Map<string, Reply>()
  readonly process: ChildProcess
  stderr = ''

  constructor(script: string, tableName: string) {
    this.process = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      env: { ...process.env, PAUSED_HOLDER_TABLE: tableName },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    this.process.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString()
      let at: number
      while ((at = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, at)
        this.buffer = this.buffer.slice(at + 1)
        if (!line.startsWith('{')) {
          continue
        }
        const reply = JSON.parse(line) as Reply
        const resolve = this.waiting.get(reply.id)
        if (resolve) {
          resolve(reply)
        } else {
          this.replies.set(reply.id, reply)
        }
      }
    })
    this.process.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
  }

  reply(id: string): Promise<Reply> {
    const known = this.replies.get(id)
    if (known) {
      return Promise.resolve(known)
    }
    return new Promise((resolve) => this.waiting.set(id, resolve))
  }

  /** Writes the command to the child's stdin (queued in the pipe if the child is stopped). */
  send(command: Record<string, unknown>): string {
    const id = randomUUID()
    this.process.stdin!.write(JSON.stringify({ ...command, id }) + '\n')
    return id
  }

  async call(command: Record<string, unknown>): Promise<Reply> {
    return this.reply(this.send(command))
  }
}

describe('a read-lease holder paused or blocked longer than its lease', () => {
  const script = join(tmpdir(), `paused-holder-child-${randomUUID()}.mts`)
  const children: Child[] = []
  const writers: Payload[] = []
  let restoreEnv = () => {}

  beforeAll(() => {
    restoreEnv = setEnv('PAYLOAD_DYNAMODB_READ_LEASE_MS', String(LEASE_MS))
    writeFileSync(script, CHILD)
  })

  afterAll(async () => {
    for (const child of children) {
      child.process.kill('SIGCONT')
      child.process.kill('SIGKILL')
    }
    for (const writer of writers) {
      await writer.destroy()
    }
    rmSync(script, { force: true })
    restoreEnv()
  })

  /** A table seeded by the writer, and a child process holding both collections' leases. */
  async function setUp() {
    const tableName = `paused-holder-${randomUUID()}`
    const writer = await bootOnTable(config, tableName, { readCache: false })
    writers.push(writer)
    const authors: (number | string)[] = []
    for (let i = 0; i < 4; i++) {
      authors.push((await writer.create({ collection: 'authors', data: { name: `A${i}` } })).id)
    }
    for (let i = 0; i < 8; i++) {
      await writer.create({
        collection: 'posts',
        data: { author: authors[i % 2], slug: `s${i}`, title: `Post ${i}`, views: i },
      })
    }
    const child = new Child(script, tableName)
    children.push(child)
    const ready = await Promise.race([
      child.reply('ready'),
      new Promise<Reply>((resolve) =>
        child.process.on('exit', () => resolve({ id: 'exit', stderr: child.stderr })),
      ),
    ])
    expect(ready.id).toBe('ready')
    const leased = await child.call({ op: 'lease' })
    expect(leased.failed).toBeUndefined()
    const state = await child.call({ op: 'state' })
    expect(state.served).toEqual({ authors: true, posts: true })
    return { authors, child, writer }
  }

  /** What the other process writes while the holder cannot run. */
  async function writeMeanwhile(writer: Payload, authors: (number | string)[]) {
    const post3 = (
      await writer.find({ collection: 'posts', where: { title: { equals: 'Post 3' } } })
    ).docs[0]
    const began = performance.now()
    await writer.update({ collection: 'posts', data: { views: 3333 }, id: post3.id })
    const waited = performance.now() - began
    await writer.create({ collection: 'posts', data: { slug: 'taken', title: 'New', views: 1 } })
    // An author no post refers to.
    await writer.delete({ collection: 'authors', id: authors[3] })
    return waited
  }

  /** Operations queued on the holder's stdin while it cannot run: all start at once on resume. */
  function queueOperations(child: Child, authors: (number | string)[]) {
    return {
      count: child.send({ op: 'count', where: { slug: { equals: 'taken' } } }),
      createDangling: child.send({
        data: { author: authors[3], slug: 'fresh', title: 'Dangling', views: 1 },
        op: 'create',
      }),
      createTaken: child.send({ data: { slug: 'taken', title: 'Dup', views: 1 }, op: 'create' }),
      find: child.send({ op: 'find', title: 'Post 3' }),
    }
  }

  async function expectExact(child: Child, ids: ReturnType<typeof queueOperations>) {
    const find = await child.reply(ids.find)
    const count = await child.reply(ids.count)
    const createTaken = await child.reply(ids.createTaken)
    const createDangling = await child.reply(ids.createDangling)
    // The lease had surely ended by the time the operations started (monotonic clock).
    expect(find.before).toEqual({ authors: false, posts: false })
    expect(find.views).toEqual([3333])
    expect(count.count).toBe(1)
    expect(String(createTaken.error)).toMatch(/ValidationError/)
    expect(String(createDangling.error)).toMatch(/ValidationError.*author/)
  }

  it('SIGSTOP for longer than the lease: every operation queued during the pause is exact on resume', async () => {
    const { authors, child, writer } = await setUp()
    child.process.kill('SIGSTOP')
    const waited = await writeMeanwhile(writer, authors)
    // The writer waited out the (paused) holder's lease once, not more.
    expect(waited).toBeGreaterThanOrEqual(revocationWait())
    expect(waited).toBeLessThan(revocationWait() + 3_000)
    const ids = queueOperations(child, authors)
    await new Promise((resolve) => setTimeout(resolve, 200))
    child.process.kill('SIGCONT')
    await expectExact(child, ids)
    // Afterwards: still exact, and the lease comes back only after the cooldown.
    expect((await child.call({ op: 'find', title: 'Post 3' })).views).toEqual([3333])
  }, 180_000)

  it.each([[-3_600_000], [3_600_000]])(
    'SIGSTOP while the wall clock steps by %d ms: operations queued during the pause are exact',
    async (ms) => {
      const { authors, child, writer } = await setUp()
      child.process.kill('SIGSTOP')
      await writeMeanwhile(writer, authors)
      const skew = child.send({ ms, op: 'skew' })
      const ids = queueOperations(child, authors)
      child.process.kill('SIGCONT')
      expect((await child.reply(skew)).skewed).toBe(ms)
      await expectExact(child, ids)
    },
    180_000,
  )

  it('event loop blocked (synchronous loop) for longer than the lease: operations queued during the block are exact', async () => {
    const { authors, child, writer } = await setUp()
    const flag = join(tmpdir(), `paused-holder-flag-${randomUUID()}`)
    const blocked = child.send({ file: flag, op: 'block' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const waited = await writeMeanwhile(writer, authors)
    expect(waited).toBeGreaterThanOrEqual(revocationWait())
    const ids = queueOperations(child, authors)
    await new Promise((resolve) => setTimeout(resolve, 200))
    writeFileSync(flag, '')
    expect((await child.reply(blocked)).blocked).toBe(true)
    await expectExact(child, ids)
    rmSync(flag, { force: true })
    expect(existsSync(flag)).toBe(false)
  }, 180_000)

  it('a holder that is SIGKILLed while holding: a writer waits once, later writers do not wait', async () => {
    const { authors, child, writer } = await setUp()
    child.process.kill('SIGKILL')
    const times: number[] = []
    for (let i = 0; i < 3; i++) {
      const began = performance.now()
      await writer.update({ collection: 'authors', data: { name: `B${i}` }, id: authors[0] })
      times.push(performance.now() - began)
    }
    expect(times[0]).toBeGreaterThanOrEqual(revocationWait())
    expect(times[0]).toBeLessThan(revocationWait() + 3_000)
    expect(Math.max(times[1], times[2])).toBeLessThan(revocationWait())
  }, 180_000)
})
