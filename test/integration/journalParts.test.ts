/**
 * A journal's parts are written before its header (the header is the commit point). A process
 * that stalled and was taken over, then computes its write again under the same id, must not
 * replace the parts its taker finishes the write from: nor its header (a condition on the owner),
 * nor any part. A journal of several parts written again and cut off part-way is still read
 * whole, as it was.
 */
import type { Payload } from 'payload'

import { randomBytes } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { JournalChange } from '../../src/transactions/journal.js'

import {
  readJournalChanges,
  readJournalHeader,
  writeJournal,
} from '../../src/transactions/journal.js'
import { JournalTakenOver } from '../../src/transactions/journalGrace.js'
import { boot, type Booted } from '../support/bootPayload.js'
import { type SentCommand, updateJournalHeader, watchSends } from '../support/journalItems.js'

const change = (title: string): JournalChange => ({
  after: { id: 'doc-1', title },
  before: null,
  group: 0,
  key: { pk: 'C#notes', sk: 'D#doc-1' },
  kind: 'collection',
  slug: 'notes',
})

describe("a journal's parts", () => {
  let booted: Booted
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(
      (db) => ({
        collections: [{ slug: 'notes', fields: [{ name: 'title', type: 'text' }] }],
        db,
        secret: 'journal-parts',
        telemetry: false,
      }),
      'dynamodb',
    )
    payload = booted.payload
  })

  afterAll(async () => {
    await booted?.close()
  })

  it('are not replaced by a process that no longer owns the journal', async () => {
    const adapter = payload.db as unknown as DynamoDBAdapter
    const writeID = 'journal-parts-1'
    await writeJournal(adapter, writeID, [change('first')], 'owner-a')
    const stored = async () => {
      const header = await readJournalHeader(adapter, writeID)
      return (await readJournalChanges(adapter, header!)).map((each) => each.after)
    }
    // Computed again by its owner: replaced.
    await writeJournal(adapter, writeID, [change('second')], 'owner-a')
    expect(await stored()).toEqual([{ id: 'doc-1', title: 'second' }])
    // Taken over by another process: the former owner's new computation stores nothing.
    await updateJournalHeader(adapter, {
      expression: 'SET #owner = :owner',
      names: { '#owner': 'owner' },
      values: { ':owner': { S: 'owner-b' } },
    })
    await expect(
      writeJournal(adapter, writeID, [change('third')], 'owner-a'),
    ).rejects.toBeInstanceOf(JournalTakenOver)
    expect(await stored()).toEqual([{ id: 'doc-1', title: 'second' }])
  })

  it('written again and cut off after its first part, are read as the journal it replaces', async () => {
    const adapter = payload.db as unknown as DynamoDBAdapter
    const writeID = 'journal-parts-2'
    // Incompressible: three parts of 350 KB.
    const large = (title: string): JournalChange[] =>
      [0, 1, 2].map((n) => ({
        ...change(title),
        after: { body: randomBytes(250_000).toString('base64'), id: `doc-${n}`, title },
        key: { pk: 'C#notes', sk: `D#doc-${n}` },
      }))
    const first = large('first')
    await writeJournal(adapter, writeID, first, 'owner-a')
    const header = await readJournalHeader(adapter, writeID)
    expect(header!.parts).toBeGreaterThan(1)
    // Its process dies once the first part of the journal written again is stored.
    const partsWritten = (command: SentCommand) => {
      const input = command.input as {
        Item?: { pk?: unknown; sk?: unknown }
        TransactItems?: { Put?: { Item?: { pk?: unknown; sk?: unknown } } }[]
      }
      return [input?.Item, ...(input?.TransactItems ?? []).map((item) => item.Put?.Item)]
        .filter((item) => item?.pk === `J#${writeID}`)
        .map((item) => Number(/(\d+)$/.exec(String(item!.sk))?.[1]))
    }
    let cut = false
    const watch = watchSends(adapter, async (command) => {
      if (partsWritten(command).some((part) => part > 0)) {
        cut = true
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
      }
    })
    try {
      await expect(writeJournal(adapter, writeID, large('second'), 'owner-a')).rejects.toThrow()
    } finally {
      watch.restore()
    }
    expect(cut).toBe(true)
    const read = await readJournalChanges(adapter, (await readJournalHeader(adapter, writeID))!)
    expect(read.map((each) => each.after)).toEqual(first.map((each) => each.after))
  })
})
