/**
 * The end of a write of more than 100 items (releasing the unique values it let go of, its locks,
 * its journal) cut off by a fault: the write is applied, the journal stays, and the next start
 * ends it. Also for a write computed again because a document moved on before it was locked
 * (`LocksKept`), whose retry loop once deleted the journal with those values still held; and for
 * a write being undone (a later group met a taken value), which the next start must finish
 * undoing, never apply further over the groups already undone.
 */
import type { Payload, PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { commitTransaction, initTransaction, ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { FaultProxy } from '../support/faultProxy.js'

import { bootCodeItems } from '../support/codeItems.js'
import { startFaultProxy } from '../support/faultProxy.js'
import { watchSends } from '../support/journalItems.js'
import { scanCount } from '../support/tableScan.js'

const tableName = `journal-end-${randomUUID()}`
const DOCUMENTS = 20
/** Past the groups, the end's reads and its marker deletes: every point the end can be cut at. */
const CUTS = 9

describe('the end of a write of more than 100 items, cut off', () => {
  let proxy: FaultProxy
  let payload: Payload

  beforeAll(async () => {
    proxy = await startFaultProxy({ seed: 11 })
    payload = await bootCodeItems(proxy, tableName)
  })

  afterAll(async () => {
    await payload?.destroy()
    await proxy?.close()
  })

  const adapter = () => payload.db as unknown as DynamoDBAdapter
  /** Nothing of any write's journal left, nor a lock (outcomes stay an hour under `J#outcome`). */
  const expectEnded = async () => {
    expect(
      await scanCount(adapter(), 'begins_with(pk, :j) AND pk <> :outcome', {
        ':j': { S: 'J#' },
        ':outcome': { S: 'J#outcome' },
      }),
    ).toBe(0)
    expect(await scanCount(adapter(), 'attribute_exists(lk)')).toBe(0)
    const report = await adapter().verifyIndexes({ collection: 'items' })
    expect(report.clean || report).toBe(true)
  }
  /** The first `cut` writes and batch reads go through, every later one meets `fault`. */
  const cutAfter = (cut: number, fault: 'drop' | 'transactionConflict' = 'drop') =>
    proxy.configure({
      operations: ['TransactWriteItems', 'BatchGetItem'],
      script: [
        ...Array.from({ length: cut }, () => 'pass' as const),
        ...Array.from({ length: 200 }, () => fault),
      ],
    })
  const count = async (batch: string) =>
    (await payload.count({ collection: 'items', where: { batch: { equals: batch } } })).totalDocs
  /** `documents` documents of `batch`, each with its own code (inside `req`'s transaction if given). */
  const createBatch = async (batch: string, documents = DOCUMENTS, req?: PayloadRequest) => {
    const ids: (number | string)[] = []
    for (let n = 0; n < documents; n++) {
      const doc = await payload.create({
        collection: 'items',
        data: { batch, code: `${batch}-${n}`, n },
        req,
      })
      ids.push(doc.id)
    }
    return ids
  }
  const transaction = async () => {
    const req = { payload } as PayloadRequest
    await initTransaction(req)
    return req
  }
  /** Commits through `cutAfter(cut, fault)`, then clears the faults; the commit's error, if any. */
  const commitCutOff = async (
    req: PayloadRequest,
    cut: number,
    fault?: 'drop' | 'transactionConflict',
  ) => {
    cutAfter(cut, fault)
    try {
      await commitTransaction(req)
      return undefined
    } catch (error) {
      return error as Error & { status?: number }
    } finally {
      proxy.configure({})
    }
  }
  /** A write whose end (or undo) was cut off: its caller is told that it ends by itself. */
  const expectToldItEnds = (failure: (Error & { status?: number }) | undefined) => {
    expect(failure).not.toBeInstanceOf(ValidationError)
    expect(failure?.status).toBe(503)
    expect(failure?.message).toMatch(/recorded in the commit journal/)
  }

  const deletes = [
    { fault: 'drop', moved: false, title: 'cut off at each write or batch read' },
    {
      fault: 'drop',
      moved: true,
      title:
        'computed again (one moved on before it was locked), cut off at each write or batch read',
    },
    {
      // Before, its end took each conflict for a changed document: 5 rounds of 21 requests of
      // 8 attempts each, then the journal deleted with the values still held.
      fault: 'transactionConflict',
      moved: false,
      title: 'whose writes from some point on meet conflicts that outlast the retries',
    },
  ] as const
  for (const { fault, moved, title } of deletes) {
    it(`a delete of ${DOCUMENTS} documents ${title}, ends whole with its values free`, async () => {
      let endCutOff = 0
      for (let cut = 0; cut < CUTS; cut++) {
        const batch = `${fault}-${moved ? 'moved' : 'still'}-${cut}`
        const ids = await createBatch(batch)
        const req = await transaction()
        await payload.delete({ collection: 'items', req, where: { batch: { equals: batch } } })
        if (moved) {
          await payload.update({ collection: 'items', data: { n: 1000 }, id: ids[0] })
        }
        const failure = await commitCutOff(req, cut, fault)
        if (failure && (await count(batch)) === 0) {
          // Applied whole, only its end was cut off.
          endCutOff++
          expectToldItEnds(failure)
        }

        // What the next start does (without waiting for the grace period).
        await adapter().finishOpenCommits({ olderThanMs: 0 })
        const left = await count(batch)
        expect([0, DOCUMENTS]).toContain(left)
        await expectEnded()
        if (left === 0) {
          // The values the deleted documents held can be taken again.
          await payload.create({ collection: 'items', data: { batch, code: `${batch}-1` } })
        }
      }
      expect(endCutOff).toBeGreaterThan(0)
    }, 120_000)
  }

  it(`an update of ${DOCUMENTS} documents' codes computed again (one moved on before it was locked), cut off at each write or batch read, ends whole with the codes it let go of free`, async () => {
    let endCutOff = 0
    for (let cut = 0; cut < CUTS + 2; cut++) {
      const batch = `renamed-${cut}`
      const ids = await createBatch(batch)
      const req = await transaction()
      for (const [n, id] of ids.entries()) {
        await payload.update({ collection: 'items', data: { code: `${batch}-new-${n}` }, id, req })
      }
      await payload.update({ collection: 'items', data: { n: 1000 }, id: ids[0] })
      const failure = await commitCutOff(req, cut)
      const renamed = async () =>
        (
          await payload.count({
            collection: 'items',
            where: { and: [{ batch: { equals: batch } }, { code: { like: '-new-' } }] },
          })
        ).totalDocs
      if (failure && (await renamed()) === DOCUMENTS) {
        endCutOff++
        expectToldItEnds(failure)
      }
      await adapter().finishOpenCommits({ olderThanMs: 0 })
      const after = await renamed()
      expect([0, DOCUMENTS]).toContain(after)
      await expectEnded()
      // Whichever codes the documents no longer hold can be taken by another document.
      const freed = after === DOCUMENTS ? `${batch}-1` : `${batch}-new-1`
      await payload.create({ collection: 'items', data: { batch: 'other', code: freed } })
    }
    expect(endCutOff).toBeGreaterThan(0)
  }, 120_000)

  it('a create of 40 documents undone because its last value was taken, cut off at each write or batch read, stays undone once that value is free again', async () => {
    const CREATES = 40
    let undoCutOff = 0
    for (let cut = 0; cut < 16; cut++) {
      const batch = `undo-${cut}`
      const req = await transaction()
      await createBatch(batch, CREATES, req)
      // Someone else takes the last document's value after the transaction checked it.
      const other = await payload.create({
        collection: 'items',
        data: { batch: 'other', code: `${batch}-${CREATES - 1}` },
      })
      const failure = await commitCutOff(req, cut)
      expect(failure).toBeDefined()
      const undoing = await scanCount(adapter(), 'pk = :j AND attribute_exists(undoing)', {
        ':j': { S: 'J#journal' },
      })
      if (undoing > 0) {
        // Its undo began, then a fault: the caller is told it ends by itself.
        undoCutOff++
        expectToldItEnds(failure)
      }
      // The value is free again before the next start: applying the rest would now succeed.
      await payload.delete({ collection: 'items', id: other.id })
      await adapter().finishOpenCommits({ olderThanMs: 0 })
      const left = await count(batch)
      expect([0, CREATES]).toContain(left)
      if (undoing > 0 || failure instanceof ValidationError) {
        expect(left).toBe(0)
      }
      await expectEnded()
      if (left === CREATES) {
        // Applied after all (cut off before its last group): remove it for the next round.
        await payload.delete({ collection: 'items', where: { batch: { equals: batch } } })
      }
    }
    expect(undoCutOff).toBeGreaterThan(0)
  }, 180_000)

  it('an undone write whose unlocks are cut off after 3 documents is ended by the next start, its documents free', async () => {
    const batch = 'unlocks'
    const ids = await createBatch(batch)
    const req = await transaction()
    for (const [n, id] of ids.entries()) {
      await payload.update({
        collection: 'items',
        data: { code: `${batch}-renamed-${n}` },
        id,
        req,
      })
    }
    const CREATES = 120
    await createBatch(`${batch}-new`, CREATES, req)
    // Its last code is taken after the transaction checked it: the commit is undone.
    await payload.create({
      collection: 'items',
      data: { batch: 'other', code: `${batch}-new-${CREATES - 1}` },
    })
    let unlocks = 0
    const watch = watchSends(adapter(), async (command) => {
      const input = command.input as { UpdateExpression?: string } | undefined
      if (input?.UpdateExpression === 'REMOVE #lk' && ++unlocks > 3) {
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
      }
    })
    let failure: (Error & { status?: number }) | undefined
    try {
      await commitTransaction(req)
    } catch (error) {
      failure = error as Error & { status?: number }
    } finally {
      watch.restore()
    }
    expectToldItEnds(failure)
    expect(
      await scanCount(adapter(), 'pk = :j AND attribute_exists(undoing)', {
        ':j': { S: 'J#journal' },
      }),
    ).toBe(1)
    expect(await scanCount(adapter(), 'attribute_exists(lk)')).toBe(DOCUMENTS - 3)
    expect(await adapter().finishOpenCommits({ olderThanMs: 0 })).toEqual({
      deferred: 0,
      finished: 1,
    })
    await expectEnded()
    expect(await count(`${batch}-new`)).toBe(0)
    const { docs } = await payload.find({
      collection: 'items',
      pagination: false,
      where: { batch: { equals: batch } },
    })
    expect(docs.map((doc) => doc.code).sort()).toEqual(ids.map((_, n) => `${batch}-${n}`).sort())
    // The codes it would have given them are free, and its documents can be written.
    await payload.create({
      collection: 'items',
      data: { batch: 'other', code: `${batch}-renamed-0` },
    })
    await payload.update({ collection: 'items', data: { n: 99 }, id: ids[0]! })
  }, 120_000)
})
