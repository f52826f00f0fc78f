/**
 * A write of more than 100 items of which DynamoDB refuses a request as invalid (a key over 1024
 * bytes, an item over 400 KB): it is refused again on every attempt, so the write is undone and
 * its caller told what to change, rather than left in the journal with its documents locked for
 * ever. A start that meets a journal it cannot finish logs it and goes on.
 */
import type { Payload } from 'payload'

import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { SentCommand } from '../support/journalItems.js'

import { bootOnTable } from '../support/bootPayload.js'
import { groupDocs, groupItemsConfig } from '../support/groupItems.js'
import { updateJournalHeader, watchSends } from '../support/journalItems.js'
import { scanCount } from '../support/tableScan.js'

const DOCUMENTS = 150

const config = groupItemsConfig

/** What the SDK throws for a request DynamoDB refuses as invalid. */
const validationException = () =>
  Object.assign(
    new Error(
      'One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes',
    ),
    {
      $fault: 'client',
      $metadata: { attempts: 1, httpStatusCode: 400 },
      name: 'ValidationException',
    },
  )

/** A transaction cancelled because one of its items is too large. */
const itemTooLarge = () =>
  Object.assign(
    new Error('Transaction cancelled, please refer cancellation reasons for specific reasons'),
    {
      $fault: 'client',
      $metadata: { attempts: 1, httpStatusCode: 400 },
      CancellationReasons: [
        { Code: 'None' },
        { Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' },
      ],
      name: 'TransactionCanceledException',
    },
  )

/** What the SDK throws when the connection drops (a failure worth trying again). */
const dropped = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })

/** Whether `command` is a journaled write's request that marks group 1 (its second) done. */
function marksSecondGroup(command: SentCommand): boolean {
  const items = (command.input as { TransactItems?: { Update?: Record<string, unknown> }[] })
    ?.TransactItems
  return Boolean(
    items?.some((item) => {
      const update = item.Update as
        { ExpressionAttributeValues?: Record<string, unknown>; Key?: { pk?: string } } | undefined
      const group = update?.ExpressionAttributeValues?.[':group']
      return update?.Key?.pk === 'J#journal' && group instanceof Set && group.has(1)
    }),
  )
}

describe('a write of more than 100 items that DynamoDB refuses as invalid', () => {
  const table = `journal-refused-${randomUUID()}`
  let payload: Payload
  let previousGrace: string | undefined

  beforeAll(async () => {
    previousGrace = process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
    process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = '2000'
    payload = await bootOnTable(config, table)
  })

  afterAll(async () => {
    await payload?.destroy()
    if (previousGrace === undefined) {
      delete process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS
    } else {
      process.env.PAYLOAD_DYNAMODB_JOURNAL_GRACE_MS = previousGrace
    }
  })

  const adapter = () => payload.db as unknown as DynamoDBAdapter

  async function seed(group: string) {
    for (let n = 0; n < DOCUMENTS; n++) {
      await payload.db.create({ collection: 'items', data: { batch: 'old', group, n: 0 } })
    }
  }

  /** Until restored, the first request marking a second group done fails with `fault()`. */
  function failSecondGroup(fault: () => Error) {
    let failed = false
    return watchSends(adapter(), async (command) => {
      if (!failed && marksSecondGroup(command)) {
        failed = true
        throw fault()
      }
    })
  }

  const bulkUpdate = (group: string) =>
    payload.db
      .updateMany({
        collection: 'items',
        data: { batch: 'new' },
        where: { group: { equals: group } },
      })
      .then(
        () => undefined,
        (error: unknown) => error as Error & { status?: number },
      )

  async function expectOld(group: string) {
    const docs = await groupDocs(payload, group)
    expect(docs).toHaveLength(DOCUMENTS)
    expect(docs.filter((doc) => doc.batch !== 'old')).toEqual([])
    expect(
      (await payload.count({ collection: 'items', where: { batch: { equals: 'new' } } })).totalDocs,
    ).toBe(0)
    return docs
  }

  async function expectNothingLeft() {
    expect(await scanCount(adapter(), 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(0)
    expect(
      await scanCount(adapter(), 'begins_with(sk, :p) AND begins_with(pk, :j)', {
        ':j': { S: 'J#' },
        ':p': { S: 'P#' },
      }),
    ).toBe(0)
    expect(await scanCount(adapter(), 'attribute_exists(lk)')).toBe(0)
    const report = await adapter().verifyIndexes({ collection: 'items' })
    expect(report.clean || report).toBe(true)
  }

  it.each([
    { fault: validationException, status: 400, title: 'a ValidationException' },
    { fault: itemTooLarge, status: 413, title: 'a transaction cancelled for an item too large' },
  ])(
    'whose second group meets $title is undone, its caller told what to change, its documents free',
    async ({ fault, status, title }) => {
      const group = title.replace(/\W+/g, '-')
      await seed(group)
      const watch = failSecondGroup(fault)
      let failure: (Error & { status?: number }) | undefined
      try {
        failure = await bulkUpdate(group)
      } finally {
        watch.restore()
      }
      expect(failure?.status).toBe(status)
      expect(failure?.message).toMatch(/refused .* as invalid.*undone/)
      await expectNothingLeft()
      const docs = await expectOld(group)
      // A later write of one of them goes through.
      await payload.update({ collection: 'items', data: { n: 7 }, id: docs[0]!.id })
      expect((await payload.findByID({ collection: 'items', id: docs[0]!.id })).n).toBe(7)
    },
    120_000,
  )

  it('a journal whose remaining group DynamoDB refuses is undone by the process that finishes it', async () => {
    const group = 'left'
    await seed(group)
    // Cut off at its second group: the journal stays, the first group applied.
    let watch = failSecondGroup(dropped)
    try {
      expect((await bulkUpdate(group))?.status).toBe(503)
    } finally {
      watch.restore()
    }
    expect(await scanCount(adapter(), 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(1)
    watch = failSecondGroup(validationException)
    try {
      expect(await adapter().finishOpenCommits({ olderThanMs: 0 })).toEqual({
        deferred: 0,
        finished: 1,
      })
    } finally {
      watch.restore()
    }
    await expectNothingLeft()
    await expectOld(group)
  }, 120_000)

  it('a start that meets a journal it cannot finish logs it, finishes the others and starts', async () => {
    const group = 'start'
    await seed(group)
    const watch = failSecondGroup(dropped)
    try {
      expect((await bulkUpdate(group))?.status).toBe(503)
    } finally {
      watch.restore()
    }
    // Its owner is long silent.
    await updateJournalHeader(adapter(), {
      expression: 'SET beat = :beat',
      values: { ':beat': { N: String(Date.now() - 60_000) } },
    })
    // A journal older than it whose part is gone: it can never be finished.
    const broken = randomUUID()
    await adapter().client.send(
      new PutItemCommand({
        Item: {
          beat: { N: '0' },
          createdAt: { N: '0' },
          owner: { S: broken },
          parts: { N: '1' },
          pk: { S: 'J#journal' },
          sk: { S: broken },
          stream: { BOOL: true },
        },
        TableName: table,
      }),
    )
    const fresh = await bootOnTable(config, table)
    try {
      const docs = await groupDocs(fresh, group)
      expect(docs.filter((doc) => doc.batch !== 'new')).toEqual([])
      expect(docs).toHaveLength(DOCUMENTS)
      // Only the broken journal is left.
      expect(await scanCount(adapter(), 'pk = :pk', { ':pk': { S: 'J#journal' } })).toBe(1)
      expect(await scanCount(adapter(), 'attribute_exists(lk)')).toBe(0)
    } finally {
      await fresh.destroy()
      await adapter().client.send(
        new DeleteItemCommand({
          Key: { pk: { S: 'J#journal' }, sk: { S: broken } },
          TableName: table,
        }),
      )
    }
  }, 120_000)
})
