/**
 * A Payload transaction of more than 100 items (the commit journal) deletes a document with a
 * chosen id in its first group; while its later groups wait, another request creates a document
 * under that id (the delete took the document's lock with it), and takes a unique value the
 * transaction's last create wants, so the write is undone. The undo cannot store the deleted
 * document back over the new one: before, its condition failed on every attempt, and the write
 * stayed unfinished with its documents locked (503s) for every later start. Now the new
 * document stays, the rest is undone, and the caller gets the `ValidationError`.
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { commitTransaction, initTransaction, killTransaction, ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { FaultProxy } from '../support/faultProxy.js'

import { bootOnTable } from '../support/bootPayload.js'
import { startFaultProxy } from '../support/faultProxy.js'
import { scanCount } from '../support/tableScan.js'

const DOCUMENTS = 120

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'named',
        fields: [
          { name: 'id', type: 'text' },
          { name: 'title', type: 'text', index: true },
          { name: 'code', type: 'text', unique: true },
        ],
      },
    ],
    db,
    secret: 'journaled-delete-recreated',
    telemetry: false,
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('a journaled write undone after another request created a document it deleted', () => {
  let proxy: FaultProxy
  let a: Payload
  let b: Payload

  beforeAll(async () => {
    proxy = await startFaultProxy({ seed: 7 })
    const table = `delete-recreated-${randomUUID()}`
    a = await bootOnTable(config, table, { clientConfig: proxy.clientConfig(), readCache: false })
    b = await bootOnTable(config, table, { readCache: false })
  })

  afterAll(async () => {
    await a?.destroy()
    await b?.destroy()
    await proxy?.close()
  })

  it('keeps the new document, undoes the rest and answers with the ValidationError', async () => {
    await b.create({ collection: 'named', data: { code: 'x-code', id: 'x', title: 'deleted' } })
    for (let n = 0; n < DOCUMENTS; n++) {
      await b.create({ collection: 'named', data: { id: `n${n}`, title: 'before' } })
    }
    const req = { payload: a } as PayloadRequest
    await initTransaction(req)
    await a.delete({ collection: 'named', id: 'x', req })
    await a.update({
      collection: 'named',
      data: { title: 'after' },
      req,
      where: { title: { equals: 'before' } },
    })
    await a.create({ collection: 'named', data: { code: 'wanted', id: 'last' }, req })

    // The commit's second group is held 5 s, its first (the delete) applied.
    proxy.resetCounts()
    proxy.configure({
      delayMs: 5000,
      operations: ['TransactWriteItems'],
      script: ['pass', 'delay'],
    })
    const commit = commitTransaction(req).then(
      () => undefined,
      async (error: unknown) => {
        await killTransaction(req)
        return error
      },
    )
    for (let waited = 0; proxy.counts().delay < 1; waited += 20) {
      if (waited > 20_000) {
        throw new Error('the second group was never held')
      }
      await sleep(20)
    }
    await b.create({ collection: 'named', data: { code: 'x-code', id: 'x', title: 'again' } })
    await b.create({ collection: 'named', data: { code: 'wanted', id: 'taker' } })

    const error = await commit
    proxy.configure({})
    // Before: an UnfinishedWrite (503, "will be finished automatically"), and every later
    // start failed to finish it too.
    expect(error).toBeInstanceOf(ValidationError)
    expect((await b.findByID({ collection: 'named', id: 'x' })).title).toBe('again')
    expect(
      (await b.count({ collection: 'named', where: { title: { equals: 'before' } } })).totalDocs,
    ).toBe(DOCUMENTS)
    expect(
      (await b.count({ collection: 'named', where: { title: { equals: 'after' } } })).totalDocs,
    ).toBe(0)
    const db = b.db as unknown as DynamoDBAdapter
    expect(await scanCount(db, 'attribute_exists(lk)')).toBe(0)
    expect(await scanCount(db, 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(0)
    expect(await db.finishOpenCommits({ olderThanMs: 0 })).toEqual({ deferred: 0, finished: 0 })
    const report = await db.verifyIndexes({ collection: 'named' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
    expect(report.counter).toBe(DOCUMENTS + 2)
    expect(report.documents).toBe(DOCUMENTS + 2)
    // The values the write took are free, and the new document holds its own.
    await b.create({ collection: 'named', data: { code: 'last-free', id: 'last' } })
    await expect(
      b.create({ collection: 'named', data: { code: 'x-code', id: 'other' } }),
    ).rejects.toMatchObject({ name: 'ValidationError' })
  }, 180_000)
})
