/**
 * A journal's parts are written before its header (the header is the commit point). A process
 * that stalled and was taken over, then computes its write again under the same id, must not
 * replace the parts its taker finishes the write from: nor its header (a condition on the owner),
 * nor any part.
 */
import type { Payload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { JournalChange } from '../../src/transactions/journal.js'

import {
  readJournalChanges,
  readJournalHeader,
  writeJournal,
} from '../../src/transactions/journal.js'
import { JournalTakenOver } from '../../src/transactions/journalGrace.js'
import { boot, type Booted } from '../support/bootPayload.js'
import { updateJournalHeader } from '../support/journalItems.js'

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
})
