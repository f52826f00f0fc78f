/**
 * A write that deletes a document another process deleted first (after this write read it): the
 * transaction is cancelled on that document's condition, and the document is gone as this write
 * wanted. That is no proof that this write was applied (its answer lost): everything else it
 * holds (other deletes, updates) must still be stored, or the caller is told it succeeded while
 * nothing was written.
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest } from 'payload'

import { randomUUID } from 'node:crypto'
import { commitTransaction, initTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'notes',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'code', type: 'text', unique: true },
        { name: 'group', type: 'text', index: true },
      ],
    },
  ],
  db,
  secret: 'deleted-meanwhile',
  telemetry: false,
})

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

const isTransaction = (command: SentCommand) =>
  ['TransactWriteCommand', 'DeleteCommand', 'UpdateCommand', 'PutCommand'].includes(
    command.constructor.name,
  )

describe('a write whose document another process deleted first', () => {
  const started: Payload[] = []
  let writer: Payload
  let other: Payload

  beforeAll(async () => {
    const tableName = `deleted-meanwhile-${randomUUID()}`
    writer = await bootOnTable(config, tableName, { readCache: false })
    other = await bootOnTable(config, tableName, { readCache: false })
    started.push(writer, other)
  })

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  async function createNotes(group: string, count: number) {
    const ids: (number | string)[] = []
    for (let n = 0; n < count; n++) {
      const doc = await writer.create({
        collection: 'notes',
        data: { code: `${group}-${n}`, group, title: `${group} ${n}` },
      })
      ids.push(doc.id)
    }
    return ids
  }

  /** Runs `write` on the writer; `other` deletes `id` right before the writer's first write. */
  async function deleteBeforeFirstWrite(id: number | string, write: () => Promise<unknown>) {
    let raced = false
    const watch = watchSends(adapterOf(writer), async (command) => {
      if (!raced && isTransaction(command)) {
        raced = true
        await other.delete({ id, collection: 'notes' })
      }
    })
    try {
      await write()
    } finally {
      watch.restore()
    }
    expect(raced).toBe(true)
  }

  async function expectClean() {
    const report = await adapterOf(writer).verifyIndexes({ collection: 'notes' })
    expect(report.clean ? 'clean' : report).toBe('clean')
  }

  it('deleteMany of two documents, one deleted meanwhile: the other is deleted too', async () => {
    const [first, second] = await createNotes('pair', 2)
    await deleteBeforeFirstWrite(first, () =>
      writer.db.deleteMany({ collection: 'notes', where: { group: { equals: 'pair' } } }),
    )
    const left = await writer.find({ collection: 'notes', where: { group: { equals: 'pair' } } })
    expect(left.docs.map((doc) => doc.id)).toEqual([])
    await expect(writer.findByID({ id: second, collection: 'notes' })).rejects.toThrow()
    await expectClean()
  })

  it('a Payload transaction deleting one document and updating another: the update is stored', async () => {
    const [gone, kept] = await createNotes('tx', 2)
    const req = { payload: writer } as PayloadRequest
    await initTransaction(req)
    await writer.delete({ id: gone, collection: 'notes', req })
    await writer.update({ id: kept, collection: 'notes', data: { title: 'changed' }, req })
    await deleteBeforeFirstWrite(gone, () => commitTransaction(req))
    const stored = await other.findByID({ id: kept, collection: 'notes' })
    expect(stored.title).toBe('changed')
    await expect(other.findByID({ id: gone, collection: 'notes' })).rejects.toThrow()
    await expectClean()
  })

  it('deleteMany of 150 documents (the journal), one deleted meanwhile: all are deleted', async () => {
    const ids = await createNotes('many', 150)
    await deleteBeforeFirstWrite(ids[75], () =>
      writer.db.deleteMany({ collection: 'notes', where: { group: { equals: 'many' } } }),
    )
    const left = await other.count({ collection: 'notes', where: { group: { equals: 'many' } } })
    expect(left.totalDocs).toBe(0)
    await expectClean()
    // Their unique values are free again.
    await expect(
      writer.create({ collection: 'notes', data: { code: 'many-3', group: 'again' } }),
    ).resolves.toMatchObject({ code: 'many-3' })
  }, 120_000)
})
