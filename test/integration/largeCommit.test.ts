/**
 * Transactions larger than one DynamoDB request (100 items): committed through the commit
 * journal, they end all applied or not at all — also when the process loses the engine
 * part-way (the next start finishes them) and when a later group meets a taken unique value
 * (the groups already applied are undone).
 */
import type { Payload, PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { commitTransaction, initTransaction, ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { FaultProxy } from '../support/faultProxy.js'

import { documentKey } from '../../src/keys/itemKeys.js'
import { bootCodeItems } from '../support/codeItems.js'
import { startFaultProxy } from '../support/faultProxy.js'
import { updateJournalHeader, watchSends } from '../support/journalItems.js'
import { scanCount } from '../support/tableScan.js'

const tableName = `large-${randomUUID()}`

async function transaction(payload: Payload): Promise<PayloadRequest> {
  const req = { payload } as PayloadRequest
  await initTransaction(req)
  return req
}

async function journalItems(payload: Payload): Promise<number> {
  const adapter = payload.db as unknown as DynamoDBAdapter
  const { Count } = await adapter.client.send(
    new (await import('@aws-sdk/client-dynamodb')).QueryCommand({
      ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': { S: 'J#journal' } },
      KeyConditionExpression: 'pk = :pk',
      Select: 'COUNT',
      TableName: tableName,
    }),
  )
  return Count ?? 0
}

/** Document items carrying a write's lock (documentLocks.ts). */
function lockedItems(payload: Payload): Promise<number> {
  return scanCount(payload.db as unknown as DynamoDBAdapter, 'attribute_exists(lk)')
}

async function expectClean(payload: Payload) {
  const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
    collection: 'items',
  })
  expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
  expect(report.counter).toBe(report.documents)
}

describe('transactions of more than 100 items', () => {
  let proxy: FaultProxy
  let payload: Payload

  beforeAll(async () => {
    proxy = await startFaultProxy({ seed: 3 })
    payload = await bootCodeItems(proxy, tableName)
  })

  afterAll(async () => {
    await payload?.destroy()
    await proxy?.close()
  })

  it('a bulk create of 150 documents in one transaction commits whole', async () => {
    const req = await transaction(payload)
    for (let n = 0; n < 150; n++) {
      await payload.create({ collection: 'items', data: { batch: 'a', code: `a-${n}`, n }, req })
    }
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'a' } } })).totalDocs,
    ).toBe(0)
    await commitTransaction(req)
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'a' } } })).totalDocs,
    ).toBe(150)
    expect(
      (await payload.count({ collection: 'items', where: { n: { greater_than_equal: 100 } } }))
        .totalDocs,
    ).toBe(50)
    expect(await journalItems(payload)).toBe(0)
    await expectClean(payload)
  })

  it('a bulk update of 150 documents (Payload update with where) applies to all', async () => {
    const result = await payload.update({
      collection: 'items',
      data: { batch: 'b' },
      where: { batch: { equals: 'a' } },
    })
    expect(result.errors).toEqual([])
    expect(result.docs).toHaveLength(150)
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'b' } } })).totalDocs,
    ).toBe(150)
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'a' } } })).totalDocs,
    ).toBe(0)
    await expectClean(payload)
  })

  it('a unique value taken before a later group undoes the groups already applied', async () => {
    const req = await transaction(payload)
    for (let n = 0; n < 150; n++) {
      await payload.create({ collection: 'items', data: { batch: 'c', code: `c-${n}`, n }, req })
    }
    // Someone else takes the last document's value after the transaction checked it.
    await payload.create({ collection: 'items', data: { batch: 'other', code: 'c-149' } })
    await expect(commitTransaction(req)).rejects.toBeInstanceOf(ValidationError)
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'c' } } })).totalDocs,
    ).toBe(0)
    expect(await journalItems(payload)).toBe(0)
    // The values the undone groups had taken are free again.
    await payload.create({ collection: 'items', data: { code: 'c-0' } })
    await expectClean(payload)
  })

  it('an undo never meets a value taken meanwhile: the values the write lets go of stay held until it ends', async () => {
    const existing = await payload.create({
      collection: 'items',
      data: { batch: 'h-before', code: 'h-old' },
    })
    const req = await transaction(payload)
    await payload.update({ collection: 'items', data: { code: 'h-new' }, id: existing.id, req })
    for (let n = 0; n < 150; n++) {
      await payload.create({ collection: 'items', data: { batch: 'h', code: `h-${n}`, n }, req })
    }
    // Once the first group (with the update) is applied, others try the value it let go of and
    // take one that a later group needs.
    const adapter = payload.db as unknown as DynamoDBAdapter
    const send = adapter.docClient.send.bind(adapter.docClient)
    const outside: string[] = []
    let groups = 0
    adapter.docClient.send = (async (command: { constructor: { name: string } }, ...rest: []) => {
      const out = await send(command as never, ...rest)
      if (command.constructor.name === 'TransactWriteCommand' && ++groups === 1) {
        for (const code of ['h-old', 'h-149']) {
          try {
            await payload.create({ collection: 'items', data: { batch: 'other', code } })
            outside.push(`${code}: taken`)
          } catch (error) {
            outside.push(`${code}: ${(error as Error).name}`)
          }
        }
      }
      return out
    }) as typeof adapter.docClient.send
    try {
      await expect(commitTransaction(req)).rejects.toBeInstanceOf(ValidationError)
    } finally {
      adapter.docClient.send = send
    }
    expect(outside).toEqual(['h-old: ValidationError', 'h-149: taken'])
    // Undone whole: the update too.
    expect((await payload.findByID({ collection: 'items', id: existing.id })).code).toBe('h-old')
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'h' } } })).totalDocs,
    ).toBe(0)
    expect(await journalItems(payload)).toBe(0)
    // What the write had taken is free again; what it gave back is held again.
    await payload.create({ collection: 'items', data: { code: 'h-new' } })
    await payload.create({ collection: 'items', data: { code: 'h-0' } })
    await expect(
      payload.create({ collection: 'items', data: { code: 'h-old' } }),
    ).rejects.toBeInstanceOf(ValidationError)
    await expectClean(payload)
  })

  it('a write to a document of a commit of more than 100 items waits for it: a $inc between its groups is not lost', async () => {
    const docs: { id: number | string }[] = []
    for (let n = 0; n < 150; n++) {
      docs.push(await payload.create({ collection: 'items', data: { batch: 'k', n } }))
    }
    const first = docs[0]
    const last = docs[149]
    const req = await transaction(payload)
    for (const doc of docs) {
      await payload.update({ collection: 'items', data: { batch: 'k2' }, id: doc.id, req })
    }
    // Once the first group is applied, other requests add to the first and the last document
    // (the last one's group is not applied yet).
    const adapter = payload.db as unknown as DynamoDBAdapter
    const send = adapter.docClient.send.bind(adapter.docClient)
    const outside: Promise<unknown>[] = []
    let groupsSeen = 0
    adapter.docClient.send = (async (command: { constructor: { name: string } }, ...rest: []) => {
      const out = await send(command as never, ...rest)
      if (command.constructor.name === 'TransactWriteCommand' && ++groupsSeen === 1) {
        for (const doc of [first, last]) {
          outside.push(
            payload.db.updateOne({
              collection: 'items',
              data: { n: { $inc: 1000 } },
              id: doc.id,
              returning: false,
            }),
          )
        }
      }
      return out
    }) as typeof adapter.docClient.send
    try {
      await commitTransaction(req)
    } finally {
      adapter.docClient.send = send
    }
    await Promise.all(outside)
    expect(outside).toHaveLength(2)
    // Both documents have the transaction's change and the increment (before the locks, the
    // last group stored its image over the increment: n 149).
    const firstNow = await payload.findByID({ collection: 'items', id: first.id })
    const lastNow = await payload.findByID({ collection: 'items', id: last.id })
    expect([firstNow.batch, firstNow.n]).toEqual(['k2', 1000])
    expect([lastNow.batch, lastNow.n]).toEqual(['k2', 1149])
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'k2' } } })).totalDocs,
    ).toBe(150)
    expect(
      (await payload.count({ collection: 'items', where: { n: { equals: 1149 } } })).totalDocs,
    ).toBe(1)
    expect(await journalItems(payload)).toBe(0)
    await expectClean(payload)
    // No lock is left: a write to every document goes through at once.
    const plain = await payload.update({
      collection: 'items',
      data: { batch: 'k3' },
      where: { batch: { equals: 'k2' } },
    })
    expect(plain.errors).toEqual([])
    expect(plain.docs).toHaveLength(150)
  })

  it('a commit whose first group meets a taken value is abandoned with every lock it took removed', async () => {
    const docs: { id: number | string }[] = []
    for (let n = 0; n < 150; n++) {
      docs.push(await payload.create({ collection: 'items', data: { batch: 'f', n } }))
    }
    const req = await transaction(payload)
    await payload.create({ collection: 'items', data: { batch: 'f-new', code: 'f-new' }, req })
    for (const doc of docs) {
      await payload.db.deleteOne({ collection: 'items', req, where: { id: { equals: doc.id } } })
    }
    // Someone else takes the create's value after the transaction checked it.
    await payload.create({ collection: 'items', data: { batch: 'other', code: 'f-new' } })
    await expect(commitTransaction(req)).rejects.toBeInstanceOf(ValidationError)
    // Nothing applied, and the documents it was going to delete are not left locked (they were,
    // until writers cleared them one attempt at a time).
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'f' } } })).totalDocs,
    ).toBe(150)
    expect(await lockedItems(payload)).toBe(0)
    expect(await journalItems(payload)).toBe(0)
    await expectClean(payload)
  })

  it('a writer that meets the locks of a commit whose process died finishes it past the grace period; a lock without a journal is removed', async () => {
    const docs: { id: number | string }[] = []
    for (let n = 0; n < 150; n++) {
      docs.push(await payload.create({ collection: 'items', data: { batch: 'm', n } }))
    }
    const req = await transaction(payload)
    for (const doc of docs) {
      await payload.update({ collection: 'items', data: { batch: 'm2' }, id: doc.id, req })
    }
    // The first group goes through; every later group is dropped (the process "dies").
    proxy.configure({
      operations: ['TransactWriteItems'],
      script: ['pass', ...Array.from({ length: 200 }, () => 'drop' as const)],
    })
    await expect(commitTransaction(req)).rejects.toThrow()
    proxy.configure({})
    expect(await journalItems(payload)).toBe(1)
    // Its owner's last sign of life is made older than the grace period instead of waiting.
    const adapter = payload.db as unknown as DynamoDBAdapter
    await updateJournalHeader(adapter, {
      expression: 'SET createdAt = :old, beat = :old',
      values: { ':old': { N: String(Date.now() - 120_000) } },
    })
    const { GetItemCommand, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb')
    // A writer of the last document (its group was not applied, it is locked) finishes the
    // commit, then writes.
    await payload.db.updateOne({
      collection: 'items',
      data: { n: { $inc: 1000 } },
      id: docs[149].id,
      returning: false,
    })
    expect(await journalItems(payload)).toBe(0)
    const last = await payload.findByID({ collection: 'items', id: docs[149].id })
    expect([last.batch, last.n]).toEqual(['m2', 1149])
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'm2' } } })).totalDocs,
    ).toBe(150)

    // A lock whose journal is gone (no live write holds it) is removed by the next writer.
    const key = documentKey('collection', 'items', docs[0].id)
    await adapter.client.send(
      new UpdateItemCommand({
        ExpressionAttributeValues: { ':lk': { S: 'a-write-that-is-gone' } },
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        TableName: tableName,
        UpdateExpression: 'SET lk = :lk',
      }),
    )
    await payload.update({ collection: 'items', data: { batch: 'm3' }, id: docs[0].id })
    expect((await payload.findByID({ collection: 'items', id: docs[0].id })).batch).toBe('m3')
    const stored = await adapter.client.send(
      new GetItemCommand({
        ConsistentRead: true,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        TableName: tableName,
      }),
    )
    expect(stored.Item?.lk).toBeUndefined()
    await expectClean(payload)
  })

  it('locks left by a write that ended without removing them are taken over in one attempt', async () => {
    const docs: { id: number | string }[] = []
    for (let n = 0; n < 150; n++) {
      docs.push(await payload.create({ collection: 'items', data: { batch: 's', n } }))
    }
    // A process died between deleting its journal and unlocking: every document keeps its lock.
    const adapter = payload.db as unknown as DynamoDBAdapter
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb')
    for (const doc of docs) {
      const key = documentKey('collection', 'items', doc.id)
      await adapter.client.send(
        new UpdateItemCommand({
          ExpressionAttributeValues: { ':lk': { S: 'a-write-that-ended' } },
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          TableName: tableName,
          UpdateExpression: 'SET lk = :lk',
        }),
      )
    }
    expect(await lockedItems(payload)).toBe(150)
    const watched = watchSends(adapter)
    try {
      await payload.db.updateMany({
        collection: 'items',
        data: { batch: 's2' },
        where: { batch: { equals: 's' } },
      })
    } finally {
      watched.restore()
    }
    // One journal: before, each attempt freed only the documents its lock step stopped at.
    expect(watched.journals()).toBe(1)
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 's2' } } })).totalDocs,
    ).toBe(150)
    expect(await lockedItems(payload)).toBe(0)
    expect(await journalItems(payload)).toBe(0)
    await expectClean(payload)
  })

  it('a commit cut off while it locks its documents is finished by the next start, or withdrawn when one of them changed meanwhile', async () => {
    const adapter = payload.db as unknown as DynamoDBAdapter
    const count = async (batch: string) =>
      (await payload.count({ collection: 'items', where: { batch: { equals: batch } } })).totalDocs
    for (const outcome of ['finished', 'withdrawn'] as const) {
      const batch = `p-${outcome}`
      const docs: { id: number | string }[] = []
      for (let n = 0; n < 150; n++) {
        docs.push(await payload.create({ collection: 'items', data: { batch, n } }))
      }
      const req = await transaction(payload)
      for (const doc of docs) {
        await payload.update({
          collection: 'items',
          data: { batch: `${batch}-2` },
          id: doc.id,
          req,
        })
      }
      // 50 documents are locked, then the engine is gone for the rest of the lock step.
      proxy.configure({
        operations: ['UpdateItem'],
        script: [
          ...Array.from({ length: 50 }, () => 'pass' as const),
          ...Array.from({ length: 400 }, () => 'drop' as const),
        ],
      })
      await expect(commitTransaction(req)).rejects.toThrow(/finishes it, or withdraws it/)
      proxy.configure({})
      expect(await journalItems(payload)).toBe(1)
      expect(await lockedItems(payload)).toBe(50)
      expect(await count(`${batch}-2`)).toBe(0)
      if (outcome === 'withdrawn') {
        // A document the write had not locked yet changes (at once: it is not locked).
        await payload.db.updateOne({
          collection: 'items',
          data: { n: { $inc: 1000 } },
          id: docs[149].id,
          returning: false,
        })
      }
      expect(await adapter.finishOpenCommits({ olderThanMs: 0 })).toEqual({
        deferred: 0,
        finished: 1,
      })
      expect(await journalItems(payload)).toBe(0)
      expect(await lockedItems(payload)).toBe(0)
      const last = await payload.findByID({ collection: 'items', id: docs[149].id })
      if (outcome === 'finished') {
        expect(await count(`${batch}-2`)).toBe(150)
        expect([last.batch, last.n]).toEqual([`${batch}-2`, 149])
      } else {
        // Applied over the change, the write would have stored n 149 over 1149.
        expect(await count(`${batch}-2`)).toBe(0)
        expect(await count(batch)).toBe(150)
        expect([last.batch, last.n]).toEqual([batch, 1149])
      }
    }
    await expectClean(payload)
  })

  it('a commit cut off after its first group is finished by the next start', async () => {
    const req = await transaction(payload)
    for (let n = 0; n < 150; n++) {
      await payload.create({ collection: 'items', data: { batch: 'd', code: `d-${n}`, n }, req })
    }
    // The first group's request goes through; every later write request is dropped.
    proxy.configure({
      operations: ['TransactWriteItems'],
      script: ['pass', ...Array.from({ length: 200 }, () => 'drop' as const)],
    })
    await expect(commitTransaction(req)).rejects.toThrow()
    proxy.configure({})
    const partial = (
      await payload.count({ collection: 'items', where: { batch: { equals: 'd' } } })
    ).totalDocs
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(150)
    expect(await journalItems(payload)).toBe(1)

    // What the next start does (without waiting for the grace period).
    const adapter = payload.db as unknown as DynamoDBAdapter
    expect(await adapter.finishOpenCommits({ olderThanMs: 0 })).toEqual({
      deferred: 0,
      finished: 1,
    })
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'd' } } })).totalDocs,
    ).toBe(150)
    expect(await journalItems(payload)).toBe(0)
    await expectClean(payload)
  })

  it('a journal left by an earlier version (no owner, its documents not locked) is finished by the next start', async () => {
    const docs: { id: number | string }[] = []
    for (let n = 0; n < 150; n++) {
      docs.push(await payload.create({ collection: 'items', data: { batch: 'v', n } }))
    }
    const req = await transaction(payload)
    for (const doc of docs) {
      await payload.update({ collection: 'items', data: { batch: 'v2' }, id: doc.id, req })
    }
    proxy.configure({
      operations: ['TransactWriteItems'],
      script: ['pass', ...Array.from({ length: 200 }, () => 'drop' as const)],
    })
    await expect(commitTransaction(req)).rejects.toThrow()
    proxy.configure({})
    // As a version before the owners and the locks left it: a header without owner or beat,
    // 70 s old, and no lock on any document.
    const adapter = payload.db as unknown as DynamoDBAdapter
    await updateJournalHeader(adapter, {
      expression: 'SET createdAt = :old REMOVE #owner, beat',
      names: { '#owner': 'owner' },
      values: { ':old': { N: String(Date.now() - 70_000) } },
    })
    const { UpdateItemCommand } = await import('@aws-sdk/client-dynamodb')
    for (const doc of docs) {
      const key = documentKey('collection', 'items', doc.id)
      await adapter.client.send(
        new UpdateItemCommand({
          Key: { pk: { S: key.pk }, sk: { S: key.sk } },
          TableName: tableName,
          UpdateExpression: 'REMOVE lk',
        }),
      )
    }
    expect(await adapter.finishOpenCommits()).toEqual({ deferred: 0, finished: 1 })
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'v2' } } })).totalDocs,
    ).toBe(150)
    expect(await lockedItems(payload)).toBe(0)
    expect(await journalItems(payload)).toBe(0)
    await expectClean(payload)
  })

  it("a commit whose first group's answer is lost goes on from it", async () => {
    const req = await transaction(payload)
    for (let n = 0; n < 150; n++) {
      await payload.create({ collection: 'items', data: { batch: 'l', code: `l-${n}`, n }, req })
    }
    // The first group is applied but its answer never arrives: the SDK sends it again, which
    // meets the group's own writes; the write id shows it landed, and the rest follows.
    proxy.configure({ operations: ['TransactWriteItems'], script: ['lostResponse'] })
    await commitTransaction(req)
    expect(proxy.counts().lostResponse).toBeGreaterThan(0)
    proxy.configure({})
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'l' } } })).totalDocs,
    ).toBe(150)
    expect(await journalItems(payload)).toBe(0)
    await expectClean(payload)
  })

  it('a cut-off commit that can no longer be applied is undone by the next start, not before its grace period', async () => {
    const req = await transaction(payload)
    for (let n = 0; n < 150; n++) {
      await payload.create({ collection: 'items', data: { batch: 'u', code: `u-${n}`, n }, req })
    }
    proxy.configure({
      operations: ['TransactWriteItems'],
      script: ['pass', ...Array.from({ length: 200 }, () => 'drop' as const)],
    })
    await expect(commitTransaction(req)).rejects.toThrow()
    proxy.configure({})
    const count = async () =>
      (await payload.count({ collection: 'items', where: { batch: { equals: 'u' } } })).totalDocs
    const partial = await count()
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(150)

    // Meanwhile another writer takes a value of a group that was not applied.
    const taker = await payload.create({
      collection: 'items',
      data: { batch: 'taker', code: 'u-149' },
    })

    const adapter = payload.db as unknown as DynamoDBAdapter
    // A journal younger than the grace period may belong to a write still under way: left alone.
    expect(await adapter.finishOpenCommits()).toEqual({ deferred: 1, finished: 0 })
    expect(await count()).toBe(partial)
    expect(await journalItems(payload)).toBe(1)

    // Past it, the write cannot end whole (u-149 is taken): the applied groups are undone.
    expect(await adapter.finishOpenCommits({ olderThanMs: 0 })).toEqual({
      deferred: 0,
      finished: 1,
    })
    expect(await count()).toBe(0)
    expect(await journalItems(payload)).toBe(0)
    const kept = await payload.findByID({ id: taker.id, collection: 'items' })
    expect(kept.code).toBe('u-149')
    // The values the undone groups had taken are free again.
    await payload.create({ collection: 'items', data: { code: 'u-0' } })
    await expectClean(payload)
  })

  it('codes swapped between two documents at either end of a commit of more than 100 items', async () => {
    const x = await payload.create({ collection: 'items', data: { batch: 's', code: 's-x' } })
    const y = await payload.create({ collection: 'items', data: { batch: 's', code: 's-y' } })
    const req = await transaction(payload)
    // x is staged first, y last: without keeping them together, x's take of s-y would land in
    // the first group while y still holds it.
    await payload.update({ id: x.id, collection: 'items', data: { code: 's-tmp' }, req })
    for (let n = 0; n < 40; n++) {
      await payload.create({ collection: 'items', data: { batch: 's', code: `s-${n}`, n }, req })
    }
    await payload.update({ id: y.id, collection: 'items', data: { code: 's-x' }, req })
    await payload.update({ id: x.id, collection: 'items', data: { code: 's-y' }, req })
    await commitTransaction(req)
    const codeOf = async (id: number | string) =>
      (await payload.findByID({ id, collection: 'items' })).code
    expect([await codeOf(x.id), await codeOf(y.id)]).toEqual(['s-y', 's-x'])
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 's' } } })).totalDocs,
    ).toBe(42)
    expect(await journalItems(payload)).toBe(0)
    await expectClean(payload)
  })
})
