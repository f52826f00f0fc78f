/**
 * Who finishes a write of more than 100 items (src/transactions/journalOwnership.ts). Its process
 * beats on the journal while it works; a writer that meets its locks takes it over only once the
 * beats stop for the grace period (2 s here instead of 30 s), and then the first process, if it
 * was only stalled, stores nothing more: its late groups are fenced off.
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { commitTransaction, initTransaction, ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { FaultProxy } from '../support/faultProxy.js'

import { documentKey } from '../../src/keys/itemKeys.js'
import { bootOnTable } from '../support/bootPayload.js'
import { startFaultProxy } from '../support/faultProxy.js'
import { updateJournalHeader, watchSends } from '../support/journalItems.js'
import { scanCount } from '../support/tableScan.js'

const GRACE_MS = 2000
/** How long a stalled process's held requests are held. */
const STALL_MS = 12_000
const DOCUMENTS = 150

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'group', type: 'text', index: true },
          { name: 'batch', type: 'text', index: true },
          { name: 'n', type: 'number', index: true },
          { name: 'code', type: 'text', unique: true },
        ],
      },
    ],
    db,
    secret: 'journal-takeover-secret',
    telemetry: false,
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await sleep(20)
  }
}

describe('who finishes a write of more than 100 items', () => {
  let proxy: FaultProxy
  /** Writes through the proxy, which holds its requests back. */
  let a: Payload
  let b: Payload
  let previousGrace: string | undefined

  beforeAll(async () => {
    previousGrace = process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
    process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = String(GRACE_MS)
    proxy = await startFaultProxy({ seed: 5 })
    const table = `takeover-${randomUUID()}`
    a = await bootOnTable(config, table, { clientConfig: proxy.clientConfig() })
    b = await bootOnTable(config, table)
  })

  afterAll(async () => {
    await a?.destroy()
    await b?.destroy()
    await proxy?.close()
    if (previousGrace === undefined) {
      delete process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
    } else {
      process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = previousGrace
    }
  })

  async function seed(group: string): Promise<(number | string)[]> {
    const ids: (number | string)[] = []
    for (let n = 0; n < DOCUMENTS; n++) {
      ids.push((await b.create({ collection: 'items', data: { batch: 'start', group, n: 0 } })).id)
    }
    return ids
  }

  /**
   * Starts `write` with its second group held for `ms` (its process stalls there), and returns
   * once that group is held; `settled` ends with the write: undefined, or its error.
   */
  async function heldAtSecondGroup(
    ms: number,
    write: () => Promise<unknown>,
  ): Promise<{ settled: Promise<unknown> }> {
    proxy.resetCounts()
    proxy.configure({ delayMs: ms, operations: ['TransactWriteItems'], script: ['pass', 'delay'] })
    const settled = write().then(
      () => undefined,
      (error: unknown) => error,
    )
    await waitFor(() => proxy.counts().delay === 1, 'the held group')
    return { settled }
  }

  /** The next write's lock step stalls: after 20 lock requests, the next ten are held 4 s. */
  function stallLockStep() {
    proxy.resetCounts()
    proxy.configure({
      delayMs: 4000,
      operations: ['UpdateItem'],
      script: [
        ...Array.from({ length: 20 }, () => 'pass' as const),
        ...Array.from({ length: 10 }, () => 'delay' as const),
      ],
    })
  }

  const bulkUpdate = (group: string, batch: string) => () =>
    a.db.updateMany({ collection: 'items', data: { batch }, where: { group: { equals: group } } })

  async function expectSettled(group: string, batch: string, n: Map<number | string, number>) {
    for (const payload of [a, b]) {
      const { docs } = await payload.find({
        collection: 'items',
        depth: 0,
        pagination: false,
        where: { group: { equals: group } },
      })
      expect(docs).toHaveLength(DOCUMENTS)
      expect(docs.filter((doc) => doc.batch !== batch)).toEqual([])
      expect(
        docs.filter((doc) => Number(doc.n) !== (n.get(doc.id as number | string) ?? 0)),
      ).toEqual([])
      expect(
        (
          await payload.count({
            collection: 'items',
            where: { and: [{ group: { equals: group } }, { batch: { equals: batch } }] },
          })
        ).totalDocs,
      ).toBe(DOCUMENTS)
      const incremented = [...n.values()].filter((value) => value > 0).length
      expect(
        (
          await payload.count({
            collection: 'items',
            where: { and: [{ group: { equals: group } }, { n: { greater_than: 0 } }] },
          })
        ).totalDocs,
      ).toBe(incremented)
    }
    const adapter = b.db as unknown as DynamoDBAdapter
    expect(await scanCount(adapter, 'attribute_exists(lk)')).toBe(0)
    expect(await scanCount(adapter, 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(0)
    const report = await adapter.verifyIndexes({ collection: 'items' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
    expect(report.counter).toBe(report.documents)
  }

  it('a write that runs longer than the grace period beats on its journal: a writer waiting for its locks lets it finish', async () => {
    const ids = await seed('slow')
    // Every group of the bulk write takes 2 s more: the write runs well past the grace period,
    // and past the time a writer waits for a write that applies nothing (4 grace periods).
    proxy.configure({ delayMs: 2000, operations: ['TransactWriteItems'], rates: { delay: 1 } })
    const started = Date.now()
    const bulk = a.db.updateMany({
      collection: 'items',
      data: { batch: 'slow-bulk' },
      where: { group: { equals: 'slow' } },
    })
    const adapter = b.db as unknown as DynamoDBAdapter
    await waitFor(
      async () => (await scanCount(adapter, 'attribute_exists(lk)')) === DOCUMENTS,
      'the lock step',
    )
    // A writer of the last document meets the lock and waits for the bulk write.
    const increments = [ids[0]!, ids[DOCUMENTS - 1]!].map((id) =>
      b.db.updateOne({ collection: 'items', data: { n: { $inc: 5 } }, id, returning: false }),
    )
    await bulk
    const took = Date.now() - started
    await Promise.all(increments)
    proxy.configure({})
    expect(took).toBeGreaterThan(4 * GRACE_MS)
    await expectSettled(
      'slow',
      'slow-bulk',
      new Map([
        [ids[0]!, 5],
        [ids[DOCUMENTS - 1]!, 5],
      ]),
    )
  })

  it('a writer gives up with a 503 on a write that holds its document and applies nothing while its process is alive', async () => {
    const ids = await seed('stuck')
    // Its second group is held for 14 s; its beats go on: alive, but applying nothing.
    const bulk = await heldAtSecondGroup(14_000, bulkUpdate('stuck', 'stuck-bulk'))
    const waitedFrom = Date.now()
    const error = (await b.db
      .updateOne({
        collection: 'items',
        data: { n: { $inc: 3 } },
        id: ids[DOCUMENTS - 1]!,
        returning: false,
      })
      .then(
        () => undefined,
        (failure: unknown) => failure,
      )) as { message?: string; status?: number }
    const waited = Date.now() - waitedFrom
    expect(error?.status).toBe(503)
    expect(error?.message).toMatch(/locked by a write of more than 100 items .* applied nothing/)
    // Four grace periods without progress, not the 14 s the group is held.
    expect(waited).toBeGreaterThanOrEqual(4 * GRACE_MS)
    expect(waited).toBeLessThan(12_000)
    proxy.configure({})
    // The bulk write ends whole; the writer's increment was never written.
    expect(await bulk.settled).toBeUndefined()
    await expectSettled('stuck', 'stuck-bulk', new Map())
  })

  it('a writer waits for a write whose lock step runs past four grace periods, as long as it goes on locking', async () => {
    const ids = await seed('locking')
    const adapter = b.db as unknown as DynamoDBAdapter
    // Every lock (an UpdateItem) is held 700 ms: 150 documents, 10 at a time, take about 10 s to
    // lock, past the 8 s a writer waits for a write that makes no progress. Its beats (UpdateItems
    // too) still come every 700 ms or so, each with how many documents are locked so far.
    proxy.configure({ delayMs: 700, operations: ['UpdateItem'], rates: { delay: 1 } })
    const started = Date.now()
    const bulk = bulkUpdate('locking', 'locking-bulk')().then(
      () => undefined,
      (error: unknown) => error,
    )
    await waitFor(
      async () => (await scanCount(adapter, 'attribute_exists(lk)')) > 0,
      'the first locks',
    )
    // Locks are set in key order: the first document's is among those set already.
    const first = [...ids].sort((x, y) => {
      const [kx, ky] = [x, y].map((id) => documentKey('collection', 'items', id).sk)
      return kx! < ky! ? -1 : kx! > ky! ? 1 : 0
    })[0]!
    const increment = b.db
      .updateOne({ collection: 'items', data: { n: { $inc: 7 } }, id: first, returning: false })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    await waitFor(
      async () => (await scanCount(adapter, 'attribute_exists(lk)')) === DOCUMENTS,
      'the lock step',
      30_000,
    )
    const lockStepMs = Date.now() - started
    proxy.configure({})
    expect(lockStepMs).toBeGreaterThan(4 * GRACE_MS)
    // Before, the writer gave up with a 503 ("applied nothing for 8 s") during the lock step.
    expect(await increment).toBeUndefined()
    expect(await bulk).toBeUndefined()
    await expectSettled('locking', 'locking-bulk', new Map([[first, 7]]))
  })

  // Held at its first group, the stalled process would take the other's work for its own (the
  // documents carry its write id) and store its later groups' images over the increments; held
  // at a later group, it would compute that group again over them.
  it.each([
    ['its first group', ['delay'] as const],
    ['a later group', ['pass', 'delay'] as const],
  ])(
    'a process that stalls past the grace period (at %s) is taken over; it stores nothing over what came after and answers as the write ended',
    async (_, script) => {
      const group = `stall-${script.length}`
      const ids = await seed(group)
      const testStarted = Date.now()
      // The process stalls: one of its groups is held for STALL_MS (12 s: the takeover, after
      // 2 s of silence, must end well before it, also on a machine busy with other tests).
      proxy.resetCounts()
      proxy.configure({
        delayMs: STALL_MS,
        operations: ['TransactWriteItems'],
        script: [...script],
      })
      const bulk = a.db
        .updateMany({
          collection: 'items',
          data: { batch: 'stalled-bulk' },
          where: { group: { equals: group } },
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        )
      await waitFor(() => proxy.counts().delay === 1, 'the held group')
      // From now on its beats are held too: its journal falls silent.
      proxy.configure({ delayMs: STALL_MS, operations: ['UpdateItem'], rates: { delay: 1 } })
      const heldAt = Date.now()
      // Writers of every fifth document meet its locks, one takes the write over once it is
      // silent for the grace period and finishes it, and then each adds its increment.
      const touched = ids.filter((_, index) => index % 5 === 0)
      await Promise.all(
        touched.map((id) =>
          b.db.updateOne({
            collection: 'items',
            data: { n: { $inc: 1000 } },
            id,
            returning: false,
          }),
        ),
      )
      expect(Date.now() - heldAt).toBeLessThan(STALL_MS)
      // Requests sent from now on pass; those already held (its group, its beats) stay held.
      proxy.configure({})
      // The stalled process comes back: its held group meets the fence and it stores nothing.
      // It answers its caller as the other process ended the write: applied.
      expect(await bulk).toBeUndefined()
      const adapter = b.db as unknown as DynamoDBAdapter
      // This write's outcome was read and deleted (outcomes of earlier tests' writes, left when
      // one failed, are not this test's: only those recorded since it began count).
      expect(
        await scanCount(
          adapter,
          'pk = :pk AND #at >= :from',
          { ':from': { N: String(testStarted) }, ':pk': { S: 'J#outcome' } },
          { '#at': 'at' },
        ),
      ).toBe(0)
      // Its held beats arrive after that and must not bring the journal back.
      await sleep(Math.max(0, heldAt + STALL_MS + 500 - Date.now()))
      await expectSettled(group, 'stalled-bulk', new Map(touched.map((id) => [id, 1000])))
    },
  )
  it('a group of a process whose journal another process owns now is refused, while that one has not finished yet', async () => {
    const group = 'fenced'
    const ids = await seed(group)
    const bulk = await heldAtSecondGroup(3000, bulkUpdate(group, 'fenced-bulk'))
    // Another process takes the journal over (as finishJournal does) and is still at work: the
    // journal stays, under its name.
    const adapter = b.db as unknown as DynamoDBAdapter
    await updateJournalHeader(adapter, {
      expression: 'SET #owner = :other, beat = :now',
      names: { '#owner': 'owner' },
      values: { ':now': { N: String(Date.now()) }, ':other': { S: 'another-process' } },
    })
    const error = (await bulk.settled) as { name?: string; status?: number }
    expect(error?.name).toBe('JournalTakenOver')
    expect(error?.status).toBe(503)
    proxy.configure({})
    // Its held group stored nothing: only the first group's documents moved.
    const moved = (
      await b.count({
        collection: 'items',
        where: { and: [{ group: { equals: group } }, { batch: { equals: 'fenced-bulk' } }] },
      })
    ).totalDocs
    expect(moved).toBeGreaterThan(0)
    expect(moved).toBeLessThan(DOCUMENTS)
    expect(await scanCount(adapter, 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(1)
    // The other process never finishes: once it has been silent for the grace period, a writer
    // that meets the locks takes the write over from it and finishes it.
    await b.db.updateOne({
      collection: 'items',
      data: { n: { $inc: 7 } },
      id: ids[DOCUMENTS - 1]!,
      returning: false,
    })
    await expectSettled(group, 'fenced-bulk', new Map([[ids[DOCUMENTS - 1]!, 7]]))
  })
  it("a journal is judged by its owner's grace period, not by the looking process's", async () => {
    const group = 'patient'
    await seed(group)
    const bulk = await heldAtSecondGroup(6000, bulkUpdate(group, 'patient-bulk'))
    // Its beats are held too, and its header says what a process configured with a 60 s grace
    // period writes there.
    proxy.configure({ delayMs: 6000, operations: ['UpdateItem'], rates: { delay: 1 } })
    const adapter = b.db as unknown as DynamoDBAdapter
    await updateJournalHeader(adapter, {
      expression: 'SET grace = :grace',
      values: { ':grace': { N: '60000' } },
    })
    // Silent for longer than this process's own grace period (2 s), not for the owner's.
    await sleep(GRACE_MS + 500)
    expect(await adapter.finishOpenCommits()).toEqual({ deferred: 1, finished: 0 })
    proxy.configure({})
    // The owner goes on and finishes its write itself.
    expect(await bulk.settled).toBeUndefined()
    await expectSettled(group, 'patient-bulk', new Map())
  })
  it('a process whose write another process took over waits for it as long as that one goes on applying groups', async () => {
    const db = b.db as unknown as DynamoDBAdapter
    const req = { payload: a } as PayloadRequest
    await initTransaction(req)
    for (let n = 0; n < DOCUMENTS; n++) {
      await a.create({ collection: 'items', data: { group: 'slow-taker', n }, req })
    }
    // Its second group is held for 3 s (the process stalls).
    const commit = await heldAtSecondGroup(3000, () => commitTransaction(req))
    // Another process takes it over at once and applies the rest slowly (each group 600 ms
    // more): it ends well past the first process's return plus its grace period.
    const slowed = watchSends(db, async (command) => {
      if (command.constructor.name === 'TransactWriteCommand') {
        await sleep(600)
      }
    })
    const started = Date.now()
    try {
      expect(await db.finishOpenCommits({ olderThanMs: 0 })).toEqual({ deferred: 0, finished: 1 })
    } finally {
      slowed.restore()
    }
    expect(Date.now() - started).toBeGreaterThan(3000 + GRACE_MS)
    proxy.configure({})
    // The first process waited to the end and answers as the write ended: applied (before: a 503
    // once the other process had taken longer than the grace period).
    expect(await commit.settled).toBeUndefined()
    expect(
      (await a.count({ collection: 'items', where: { group: { equals: 'slow-taker' } } }))
        .totalDocs,
    ).toBe(DOCUMENTS)
    expect(await scanCount(db, 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(0)
    expect(await scanCount(db, 'attribute_exists(lk)')).toBe(0)
    const report = await db.verifyIndexes({ collection: 'items' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  })
  it('a process whose write another process took over in its lock step waits while that one goes on locking', async () => {
    const group = 'slow-relock'
    await seed(group)
    const db = b.db as unknown as DynamoDBAdapter
    // Its lock step stalls: ten lock requests in a row are held for 4 s.
    stallLockStep()
    const bulk = bulkUpdate(group, 'relocked-bulk')().then(
      () => undefined,
      (error: unknown) => error,
    )
    await waitFor(() => proxy.counts().delay >= 1, 'the held lock requests')
    const heldAt = Date.now()
    // Another process takes the write over at once and locks its documents again slowly (each
    // lock 600 ms more: 150 locks, 10 at a time, about 9 s), so it is still locking well past the
    // first process's return (4 s) plus the grace period (2 s).
    const slowed = watchSends(db, async (command) => {
      const names = (command.input as { ExpressionAttributeNames?: Record<string, string> })
        ?.ExpressionAttributeNames
      if (command.constructor.name === 'UpdateCommand' && names?.['#set0'] === 'lk') {
        await sleep(600)
      }
    })
    try {
      expect(await db.finishOpenCommits({ olderThanMs: 0 })).toEqual({
        deferred: 0,
        finished: 1,
      })
    } finally {
      slowed.restore()
    }
    expect(Date.now() - heldAt).toBeGreaterThan(4000 + 2 * GRACE_MS)
    proxy.configure({})
    // The first process met the fence, waited for the other one through its lock step and
    // answers as the write ended: applied (before: its JournalTakenOver 503 once the other had
    // locked for a grace period without applying a group).
    expect(await bulk).toBeUndefined()
    await expectSettled(group, 'relocked-bulk', new Map())
  })
  it('a process whose write another process took over and undid answers with the ValidationError that undid it', async () => {
    const db = b.db as unknown as DynamoDBAdapter
    // Outcomes of earlier tests' writes whose first process was not waiting any more.
    const outcomes = () => scanCount(db, 'pk = :pk', { ':pk': { S: 'J#outcome' } })
    const outcomesBefore = await outcomes()
    const req = { payload: a } as PayloadRequest
    await initTransaction(req)
    for (let n = 0; n < DOCUMENTS; n++) {
      await a.create({ collection: 'items', data: { code: `u-${n}`, group: 'undo', n }, req })
    }
    // Its second group is held for 5 s (the process stalls), and meanwhile the last document's
    // value is taken by another process.
    const commit = await heldAtSecondGroup(5000, () => commitTransaction(req))
    await b.create({ collection: 'items', data: { code: `u-${DOCUMENTS - 1}`, group: 'other' } })
    // Another process takes the write over at once (as a start would past the grace period):
    // its later group meets the taken value, so it undoes the groups applied.
    expect(await db.finishOpenCommits({ olderThanMs: 0 })).toEqual({ deferred: 0, finished: 1 })
    expect(
      (await b.count({ collection: 'items', where: { group: { equals: 'undo' } } })).totalDocs,
    ).toBe(0)
    // The stalled process's held group meets the fence; its caller gets the other's answer.
    const error = await commit.settled
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).data.errors.map((e) => e.path)).toEqual(['code'])
    proxy.configure({})
    expect(
      (await a.count({ collection: 'items', where: { group: { equals: 'undo' } } })).totalDocs,
    ).toBe(0)
    // Its outcome was read and deleted.
    expect(await outcomes()).toBe(outcomesBefore)
    expect(await scanCount(db, 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(0)
    expect(await scanCount(db, 'attribute_exists(lk)')).toBe(0)
    // The values it had taken are free again.
    await b.create({ collection: 'items', data: { code: 'u-0', group: 'after' } })
    const report = await db.verifyIndexes({ collection: 'items' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  })
  it('a process whose write another process withdrew while it locked its documents computes it again over the change and applies it', async () => {
    const group = 'withdrawn'
    const ids = await seed(group)
    const db = b.db as unknown as DynamoDBAdapter
    // Its lock step stalls: ten lock requests in a row are held for 4 s.
    stallLockStep()
    const bulk = a.db
      .updateMany({
        collection: 'items',
        data: { batch: 'redone-bulk' },
        where: { group: { equals: group } },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      )
    await waitFor(() => proxy.counts().delay >= 1, 'the held lock requests')
    // A document whose lock request is held (the 21st to 30th in key order: creation order
    // here) moves on, and another process takes the write over at once: nothing of it was
    // applied, so it is withdrawn rather than stored over that change.
    const moved = b.db.updateOne({
      collection: 'items',
      data: { n: { $inc: 5 } },
      id: ids[25]!,
      returning: false,
    })
    await Promise.race([moved, sleep(1000)])
    const logged: string[] = []
    const error = b.logger.error.bind(b.logger)
    b.logger.error = ((message: unknown, ...rest: unknown[]) => {
      logged.push(typeof message === 'string' ? message : JSON.stringify(message))
      return (error as (...args: unknown[]) => void)(message, ...rest)
    }) as typeof b.logger.error
    try {
      expect(await db.finishOpenCommits({ olderThanMs: 0 })).toEqual({
        deferred: 0,
        finished: 1,
      })
    } finally {
      b.logger.error = error
    }
    expect(logged.filter((message) => /was withdrawn/.test(message))).toHaveLength(1)
    expect(
      (
        await b.count({
          collection: 'items',
          where: { and: [{ group: { equals: group } }, { batch: { equals: 'redone-bulk' } }] },
        })
      ).totalDocs,
    ).toBe(0)
    // The stalled process meets the change in its own lock step, computes the write again over
    // it (the same write id, a new journal) and applies it.
    expect(await bulk).toBeUndefined()
    await moved
    proxy.configure({})
    await expectSettled(group, 'redone-bulk', new Map([[ids[25]!, 5]]))
  })

  it('a process whose lock step another process outlasted, undoing the write, answers with the ValidationError even when one of its documents is gone by then', async () => {
    const group = 'outlasted'
    const ids = await seed(group)
    const db = b.db as unknown as DynamoDBAdapter
    const req = { payload: a } as PayloadRequest
    await initTransaction(req)
    await a.db.updateMany({
      collection: 'items',
      data: { batch: 'outlasted-bulk' },
      req,
      where: { group: { equals: group } },
    })
    await a.create({ collection: 'items', data: { code: 'outlasted', group: 'other' }, req })
    // Its lock step stalls: after 20 lock requests, the next ten are held 10 s.
    proxy.resetCounts()
    proxy.configure({
      delayMs: 10_000,
      operations: ['UpdateItem'],
      script: [
        ...Array.from({ length: 20 }, () => 'pass' as const),
        ...Array.from({ length: 10 }, () => 'delay' as const),
      ],
    })
    const commit = commitTransaction(req).then(
      () => undefined,
      (error: unknown) => error,
    )
    await waitFor(() => proxy.counts().delay >= 1, 'the held lock requests')
    // The create's value is taken; another process takes the write over at once, applies its
    // first groups, meets the taken value in the last and undoes them (under the write's id).
    await b.create({ collection: 'items', data: { code: 'outlasted', group: 'taker' } })
    expect(await db.finishOpenCommits({ olderThanMs: 0 })).toEqual({ deferred: 0, finished: 1 })
    // A document whose lock request is still held is deleted before that request arrives.
    await b.delete({ collection: 'items', id: ids[25]! })
    // The stalled process's lock of it fails: the write ended elsewhere, and its caller gets
    // that answer (before: it took the undo's documents, stored under its id, for its own
    // write having landed, and the commit resolved with nothing stored).
    const error = await commit
    proxy.configure({})
    expect(error).toBeInstanceOf(ValidationError)
    expect(
      (
        await b.count({
          collection: 'items',
          where: { batch: { equals: 'outlasted-bulk' } },
        })
      ).totalDocs,
    ).toBe(0)
    expect(await scanCount(db, 'attribute_exists(lk)')).toBe(0)
    expect(await scanCount(db, 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(0)
    const report = await db.verifyIndexes({ collection: 'items' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  }, 120_000)

  it('a process computing its write again (a document moved on in its lock step) beats on the journal it keeps: no other process takes it over meanwhile', async () => {
    const group = 'recomputed'
    const ids = await seed(group)
    const db = b.db as unknown as DynamoDBAdapter
    stallLockStep()
    const bulk = bulkUpdate(group, 'recomputed-bulk')().then(
      () => undefined,
      (error: unknown) => error,
    )
    await waitFor(() => proxy.counts().delay >= 1, 'the held lock requests')
    // A document whose lock request is held moves on: the write is computed again, keeping its
    // journal and locks, and that computing is slow (its reads are held 6 s).
    await b.db.updateOne({
      collection: 'items',
      data: { n: { $inc: 5 } },
      id: ids[25]!,
      returning: false,
    })
    proxy.resetCounts()
    proxy.configure({ delayMs: 6000, operations: ['Query'], script: ['delay'] })
    await waitFor(() => proxy.counts().delay >= 1, 'the write computed again')
    await sleep(GRACE_MS + 500)
    // More than the grace period after the commit stopped beating (before: taken over, and
    // withdrawn under the process computing it again).
    expect(await db.finishOpenCommits()).toEqual({ deferred: 1, finished: 0 })
    expect(await bulk).toBeUndefined()
    proxy.configure({})
    await expectSettled(group, 'recomputed-bulk', new Map([[ids[25]!, 5]]))
  }, 120_000)
})
