/**
 * `payload.jobs.run()` racing over one queue, in one process and from two Payload instances on
 * one table: every job runs exactly once, ends completed and not processing, with its log
 * complete (a workflow's three parallel tasks push to one job's log at once); every query Payload's
 * jobs code makes equals the stored jobs; verifyIndexes clean. The same scenario on db-sqlite,
 * with one runner (its claim is a read then an update: racing runners run jobs 2-4 times there),
 * gives the end state Payload expects.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, bootOnTable, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

/** Handler invocations, by `${tag}:${n}` (all Payload instances live in this process). */
const invocations = new Map<string, number>()
const note = (key: string) => invocations.set(key, (invocations.get(key) ?? 0) + 1)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function makeConfig(deleteJobOnComplete: boolean) {
  return (db: DatabaseAdapterObj): Config => ({
    collections: [{ slug: 'things', fields: [{ name: 'n', type: 'number' }] }],
    db,
    jobs: {
      deleteJobOnComplete,
      tasks: [
        {
          slug: 'count',
          handler: async ({ input }) => {
            const { n, tag } = input as { n: number; tag: string }
            note(`${tag}:${n}`)
            await sleep(5 + (n % 4) * 5)
            return { output: { n } }
          },
          inputSchema: [
            { name: 'n', type: 'number' },
            { name: 'tag', type: 'text' },
          ],
          outputSchema: [{ name: 'n', type: 'number' }],
        },
      ],
      workflows: [
        {
          slug: 'fanout',
          // Three tasks at once: three `$push`es on one job's log in parallel.
          handler: async ({ job, tasks }) => {
            const { n, tag } = job.input as { n: number; tag: string }
            await Promise.all(
              ['a', 'b', 'c'].map((id) => tasks.count(id, { input: { n, tag: `${tag}-${id}` } })),
            )
          },
          inputSchema: [
            { name: 'n', type: 'number' },
            { name: 'tag', type: 'text' },
          ],
        },
      ],
    },
    secret: 'jobs-under-runners',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
}

type Job = Record<string, unknown> & { id: number | string; log?: Record<string, unknown>[] }

const missing = (value: unknown) => value === null || value === undefined

/** Wheres Payload's jobs code uses, with what each means on a stored job. */
const WHERES: [string, Where, (job: Job) => boolean][] = [
  ['processing true', { processing: { equals: true } }, (j) => j.processing === true],
  ['processing false', { processing: { equals: false } }, (j) => j.processing === false],
  ['completedAt exists', { completedAt: { exists: true } }, (j) => !missing(j.completedAt)],
  ['completedAt not exists', { completedAt: { exists: false } }, (j) => missing(j.completedAt)],
  ['hasError true', { hasError: { equals: true } }, (j) => j.hasError === true],
  ['hasError not_equals true', { hasError: { not_equals: true } }, (j) => j.hasError !== true],
  ['totalTried 1', { totalTried: { equals: 1 } }, (j) => j.totalTried === 1],
  ['waitUntil not exists', { waitUntil: { exists: false } }, (j) => missing(j.waitUntil)],
  [
    'claimable',
    {
      and: [
        { completedAt: { exists: false } },
        { hasError: { not_equals: true } },
        { processing: { equals: false } },
        {
          or: [
            { waitUntil: { exists: false } },
            { waitUntil: { less_than: new Date(Date.now() + 3_600_000).toISOString() } },
          ],
        },
        { queue: { equals: 'default' } },
      ],
    },
    (j) => missing(j.completedAt) && j.hasError !== true && j.processing === false,
  ],
]

/** Every query answer equals the stored jobs filtered in JS; verifyIndexes clean. */
async function audit(payload: Payload, label: string): Promise<Job[]> {
  if (payload.db.name !== 'sqlite') {
    const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'payload-jobs',
    })
    expect({ label, report }).toMatchObject({
      label,
      report: { clean: true, counterOff: 0, missingEntries: 0, orphanEntries: 0, staleEntries: 0 },
    })
  }
  const all = (
    await payload.find({ collection: 'payload-jobs', depth: 0, limit: 0, pagination: false })
  ).docs as unknown as Job[]
  const total = await payload.count({ collection: 'payload-jobs' })
  expect({ label, total: total.totalDocs }).toEqual({ label, total: all.length })
  for (const [name, where, test] of WHERES) {
    const expected = all
      .filter(test)
      .map((j) => String(j.id))
      .sort()
    const found = (
      await payload.find({
        collection: 'payload-jobs',
        depth: 0,
        limit: 0,
        pagination: false,
        where,
      })
    ).docs
      .map((j) => String(j.id))
      .sort()
    const { totalDocs } = await payload.count({ collection: 'payload-jobs', where })
    expect({ counted: totalDocs, found, label, name }).toEqual({
      counted: expected.length,
      found: expected,
      label,
      name,
    })
  }
  return all
}

/** Runs `runners` at once per round until a round claims nothing. */
async function drain(runners: (() => Promise<unknown>)[]) {
  for (let round = 0; round < 20; round++) {
    const results = (await Promise.all(runners.map((run) => run()))) as {
      noJobsRemaining?: boolean
    }[]
    if (results.every((r) => r.noJobsRemaining)) {
      return round
    }
  }
  throw new Error('jobs never drained')
}

function expectEachOnce(tag: string, n: number) {
  const counts = Array.from({ length: n }, (_, i) => invocations.get(`${tag}:${i}`) ?? 0)
  const wrong = counts.flatMap((c, i) => (c === 1 ? [] : [`${i}:${c}`]))
  expect({ tag, wrong }).toEqual({ tag, wrong: [] })
}

function expectCompleted(jobs: Job[], logLength: number, label: string) {
  const bad = jobs.flatMap((j) => {
    const problems: string[] = []
    if (missing(j.completedAt)) {
      problems.push('no completedAt')
    }
    if (j.processing !== false) {
      problems.push(`processing ${String(j.processing)}`)
    }
    if (j.hasError === true) {
      problems.push('hasError')
    }
    if (j.totalTried !== 1) {
      problems.push(`totalTried ${String(j.totalTried)}`)
    }
    const log = j.log ?? []
    if (log.length !== logLength) {
      problems.push(`log ${log.length}`)
    }
    if (log.some((entry) => entry.state !== 'succeeded')) {
      problems.push('log state')
    }
    if (new Set(log.map((entry) => entry.id)).size !== log.length) {
      problems.push('log ids repeat')
    }
    return problems.length ? [`${String(j.id)}: ${problems.join(', ')}`] : []
  })
  expect({ bad, label }).toEqual({ bad: [], label })
}

const JOBS = 30

describe.each([
  ['dynamodb held in memory', 'dynamodb', {}],
  ['dynamodb through the indexes', 'dynamodb', THROUGH_INDEXES],
  ['sqlite', 'sqlite', {}],
] as const)('jobs run racing, %s', (mode, adapter, options) => {
  let booted: Booted | undefined
  let other: Payload | undefined
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(makeConfig(false), adapter, options)
    payload = booted.payload
    if (adapter === 'dynamodb') {
      other = await bootOnTable(
        makeConfig(false),
        (payload.db as unknown as DynamoDBAdapter).tableName,
        options,
      )
    }
  })

  afterAll(async () => {
    await other?.destroy()
    await closeAll(booted)
  })

  it('four runners in one process run each of 30 jobs once', async () => {
    const tag = `one-${mode}`
    for (let n = 0; n < JOBS; n++) {
      await payload.jobs.queue({ input: { n, tag }, task: 'count' })
    }
    // db-sqlite runs racing runners' jobs 2-4 times (read then update, no row claim): one runner
    // there, as the reference for the end state.
    await drain(
      Array.from(
        { length: adapter === 'sqlite' ? 1 : 4 },
        () => () => payload.jobs.run({ limit: 7, silent: true }),
      ),
    )
    expectEachOnce(tag, JOBS)
    const all = await audit(payload, tag)
    expectCompleted(
      all.filter((j) => (j.input as { tag: string }).tag === tag),
      1,
      tag,
    )
    expect(all.filter((j) => (j.input as { tag: string }).tag === tag)).toHaveLength(JOBS)
  })

  it('two instances on one table, two runners each, run each of 30 jobs once', async () => {
    if (!other) {
      return
    }
    const second = other
    const tag = `two-${mode}`
    for (let n = 0; n < JOBS; n++) {
      await (n % 2 ? second : payload).jobs.queue({ input: { n, tag }, task: 'count' })
    }
    await drain([
      () => payload.jobs.run({ limit: 5, silent: true }),
      () => second.jobs.run({ limit: 5, silent: true }),
      () => payload.jobs.run({ limit: 5, silent: true }),
      () => second.jobs.run({ limit: 5, silent: true }),
    ])
    expectEachOnce(tag, JOBS)
    for (const [label, p] of [
      ['first', payload],
      ['second', second],
    ] as const) {
      const all = await audit(p, `${tag} ${label}`)
      const mine = all.filter((j) => (j.input as { tag: string }).tag === tag)
      expect(mine).toHaveLength(JOBS)
      expectCompleted(mine, 1, `${tag} ${label}`)
    }
  })

  it('workflows with three parallel tasks: every log has 3 entries, each task once', async () => {
    const tag = `fan-${mode}`
    const count = 12
    for (let n = 0; n < count; n++) {
      await payload.jobs.queue({ input: { n, tag }, workflow: 'fanout' })
    }
    const runners = [() => payload.jobs.run({ limit: 4, silent: true })]
    if (adapter !== 'sqlite') {
      runners.push(() => payload.jobs.run({ limit: 4, silent: true }))
    }
    if (other) {
      const second = other
      runners.push(() => second.jobs.run({ limit: 4, silent: true }))
    }
    await drain(runners)
    for (const id of ['a', 'b', 'c']) {
      expectEachOnce(`${tag}-${id}`, count)
    }
    const all = await audit(payload, tag)
    const mine = all.filter((j) => (j.input as { tag: string }).tag === tag)
    expect(mine).toHaveLength(count)
    expectCompleted(mine, 3, tag)
  })
})
