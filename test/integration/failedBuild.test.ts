/**
 * A unique index whose build fails part way: a writer of the previous config takes a value, once
 * the build is announced (so the writer maintains the index), that a document the build has not
 * reached yet already holds. The build fails with Payload's error and the index goes out of the
 * record. What the build and the writers wrote for it until then must not outlive it: once the
 * data is made unique the next build succeeds, with every entry, marker and count exact, and no
 * marker left behind refuses a value that no document holds.
 *
 * A build or a rebuild whose index a process of another config drops before the build is recorded
 * must not be recorded as built: nobody maintains the index any more.
 */
import type { Config, DatabaseAdapterObj, Field, Payload } from 'payload'

import { DeleteCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'
import { APIError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { announceIndexChange } from '../../src/indexes/indexRecord.js'
import { indexesOf } from '../../src/indexes/registry.js'
import { STATE_SK } from '../../src/indexes/versionBump.js'
import { collectionNamespace } from '../../src/namespaces.js'

import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'
import { type SentCommand, watchSends } from '../support/journalItems.js'
import { scanCount } from '../support/tableScan.js'

const DOCUMENTS = 150

const config =
  (unique: boolean, indexed = false, codeIndexed = false) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'code', type: 'text', index: codeIndexed, unique },
          { name: 'n', type: 'number', index: indexed },
        ],
      },
    ],
    db,
    secret: 'failed-build-secret',
    telemetry: false,
  })

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

/** `run` on `payload`'s adapter, with `before` awaited before each request; returns what it threw. */
async function refusal(
  payload: Payload,
  run: (adapter: DynamoDBAdapter) => Promise<unknown>,
  before: (command: Parameters<NonNullable<Parameters<typeof watchSends>[1]>>[0]) => Promise<void>,
): Promise<unknown> {
  const watch = watchSends(adapterOf(payload), before)
  try {
    await run(adapterOf(payload))
  } catch (error) {
    return error
  } finally {
    watch.restore()
  }
  return undefined
}

const sync = (adapter: DynamoDBAdapter) => adapter.syncIndexes()

/** A transaction that puts a marker of the unique index `code` (a build's pass, a write). */
function putsCodeMarker(command: SentCommand): boolean {
  const items = (command.input as { TransactItems?: { Put?: { Item?: { pk?: unknown } } }[] })
    .TransactItems
  return items?.some((item) => String(item.Put?.Item?.pk).endsWith('#U#code')) ?? false
}

/** The update that records the index `n` as built (sets `idx:n`). */
function recordsBuilt(command: SentCommand): boolean {
  const input = command.input as {
    ExpressionAttributeNames?: Record<string, string>
    UpdateExpression?: string
  }
  return Object.entries(input.ExpressionAttributeNames ?? {}).some(
    ([placeholder, name]) =>
      name === 'idx:n' && input.UpdateExpression?.includes(`${placeholder} = `),
  )
}

useIndexStateMaxAge(300)

describe('index builds that fail part way or are called off', () => {
  const started: Payload[] = []

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it.each([
    ['', false],
    [' (over a namespace without recorded index state)', true],
  ])(
    'a unique build that fails leaves nothing of itself behind%s: the next build succeeds and every value is free or held exactly',
    async (_, unrecorded) => {
      const tableName = `failed-build-${randomUUID()}`
      const old = await bootOnTable(config(false), tableName, { buildIndexes: true })
      started.push(old)
      const ids: (number | string)[] = []
      for (let i = 0; i < DOCUMENTS; i++) {
        const doc = await old.create({ collection: 'items', data: { code: `c${i}`, n: i } })
        ids.push(doc.id)
      }
      if (unrecorded) {
        // As a table of an earlier version of this adapter: documents, no index state.
        const { pk } = collectionNamespace(adapterOf(old), 'items')
        await adapterOf(old).docClient.send(
          new DeleteCommand({ Key: { pk, sk: STATE_SK }, TableName: tableName }),
        )
      }
      const current = await bootOnTable(config(true), tableName, {
        buildIndexes: false,
        readCache: false,
      })
      started.push(current)

      // Once the build is announced and before it writes its first documents' markers, the old
      // process creates a document holding the code of the last one stored (reached last), and
      // one with a code no document has yet.
      let raced = false
      const failure = await refusal(current, sync, async (command) => {
        if (!raced && putsCodeMarker(command)) {
          raced = true
          await old.create({ collection: 'items', data: { code: `c${DOCUMENTS - 1}`, n: -1 } })
          await old.create({ collection: 'items', data: { code: 'fresh', n: -2 } })
        }
      })
      expect(raced).toBe(true)
      expect(failure).toBeInstanceOf(APIError)
      expect((failure as APIError).message).toMatch(/unique value was taken/)
      // The process whose build failed knows the index is out of the record: its writes leave
      // no marker of it (before: it took its own condition for the record and wrote them; over a
      // namespace without recorded state, the record was left empty, so writers of the index's
      // config maintained it again while others did not).
      const markers = () =>
        scanCount(adapterOf(current), 'contains(pk, :u)', { ':u': { S: '#U#code' } })
      const left = await markers()
      await current.create({ collection: 'items', data: { code: 'after-failure', n: -3 } })
      expect(await markers()).toBe(left)

      // The index is out of the record: the old process takes any value again. The data is made
      // unique (the late copy moves to another code, the other lets go of its code).
      const { docs } = await old.find({
        collection: 'items',
        pagination: false,
        where: { n: { less_than: 0 } },
      })
      for (const doc of docs) {
        await old.update({
          id: doc.id,
          collection: 'items',
          data: { code: doc.n === -1 ? 'moved' : null },
        })
      }
      await old.update({ id: ids[0]!, collection: 'items', data: { code: 'c0-renamed' } })
      await old.delete({ id: ids[1]!, collection: 'items' })

      // The next build succeeds and is exact.
      await adapterOf(current).syncIndexes()
      expect(await adapterOf(current).syncIndexes({ dryRun: true })).toEqual({
        pending: [],
        stale: [],
      })
      const report = await adapterOf(current).verifyIndexes({ collection: 'items' })
      expect(report.clean ? 'clean' : report).toBe('clean')

      // Values no document holds are free; held ones are refused, by both processes.
      for (const code of ['fresh', 'c0', 'c1', 'after-failure']) {
        await expect(
          current.create({ collection: 'items', data: { code, n: 1_000 } }),
        ).resolves.toMatchObject({ code })
      }
      for (const code of ['moved', 'c0-renamed', `c${DOCUMENTS - 1}`]) {
        for (const payload of [current, old]) {
          await expect(payload.create({ collection: 'items', data: { code } })).rejects.toThrow(
            /code/,
          )
        }
      }
      for (const code of ['moved', `c${DOCUMENTS - 1}`, 'fresh']) {
        const where = { code: { equals: code } }
        expect((await current.count({ collection: 'items', where })).totalDocs).toBe(1)
        expect((await adapterOf(current).explain({ collection: 'items', where })).plan.kind).toBe(
          'index',
        )
      }
      // 150, the two of the race, the one after the failure and the four just created, less
      // the one deleted.
      expect((await current.count({ collection: 'items' })).totalDocs).toBe(DOCUMENTS + 6)
      const after = await adapterOf(current).verifyIndexes({ collection: 'items' })
      expect(after.clean ? 'clean' : after).toBe('clean')

      // A build of the same index that fails in another process once this one is recorded leaves
      // it as it is: the failing process does not take it out of the record.
      const namespace = collectionNamespace(adapterOf(current), 'items')
      const code = indexesOf(adapterOf(current), namespace).find(({ name }) => name === 'code')!
      expect(
        await announceIndexChange(adapterOf(old), namespace, {
          forgotten: ['code'],
          onlyIfOwn: [code],
        }),
      ).toBe(false)
      await expect(old.create({ collection: 'items', data: { code: 'moved' } })).rejects.toThrow(
        /code/,
      )
    },
    180_000,
  )

  it.each([
    ['a build', sync],
    ['a rebuild', (adapter: DynamoDBAdapter) => adapter.rebuildIndexes({ collection: 'items' })],
  ])(
    '%s is not recorded as built when another process drops the index meanwhile',
    async (_, run) => {
      const table = `failed-build-drop-${randomUUID()}`
      const old = await bootOnTable(config(false), table, { buildIndexes: true })
      started.push(old)
      for (let i = 0; i < 20; i++) {
        await old.create({ collection: 'items', data: { code: `c${i}`, n: i % 4 } })
      }
      const current = await bootOnTable(config(false, true), table, {
        buildIndexes: false,
        readCache: false,
      })
      started.push(current)
      if (run !== sync) {
        await sync(adapterOf(current))
      }
      // Its build is done and about to be recorded when a process of a config without the index
      // syncs: the index is dropped (its entries deleted) before the build's record is written.
      let dropped = false
      const failure = await refusal(current, run, async (command) => {
        const built = recordsBuilt(command)
        if (!dropped && built) {
          dropped = true
          await adapterOf(old).syncIndexes()
        }
      })
      expect(dropped).toBe(true)
      expect((failure as APIError).message).toMatch(/called off by another process/)
      // Not read as built, so every answer still comes right (from the collection).
      expect((await adapterOf(current).syncIndexes({ dryRun: true })).pending).toContain('items/n')
      const where = { n: { equals: 2 } }
      expect((await adapterOf(current).explain({ collection: 'items', where })).plan.kind).not.toBe(
        'index',
      )
      expect((await current.count({ collection: 'items', where })).totalDocs).toBe(5)
      // Built again once the configs agree.
      await adapterOf(current).syncIndexes()
      expect((await adapterOf(current).explain({ collection: 'items', where })).plan.kind).toBe(
        'index',
      )
      expect((await current.count({ collection: 'items', where })).totalDocs).toBe(5)
      const report = await adapterOf(current).verifyIndexes({ collection: 'items' })
      expect(report.clean ? 'clean' : report).toBe('clean')
    },
    180_000,
  )
  it("a build whose pass a drop's deletes overlapped is not recorded as built", async () => {
    const table = `failed-build-overlap-${randomUUID()}`
    const dropper = await bootOnTable(config(false), table, { buildIndexes: true })
    started.push(dropper)
    for (let i = 0; i < 20; i++) {
      await dropper.create({ collection: 'items', data: { code: `c${i}`, n: i % 4 } })
    }
    const options = { buildIndexes: false, readCache: false } as const
    const [first, second] = [
      await bootOnTable(config(false, true), table, options),
      await bootOnTable(config(false, true), table, options),
    ]
    started.push(first, second)

    // `first` builds the index up to its record. Then the dropper, whose config lacks it, drops
    // it, and once its drop is announced (the definition out of the record) but before it lists
    // the entries to delete, `second` builds it again: it announces the same definition and
    // writes its pass, again up to its record. The dropper deletes what the passes wrote and
    // records the index's new generation. Only then do both builds try to record the index as
    // built: the definition is as they announced it, but the generation moved on.
    let secondPassed!: () => void
    const passed = new Promise<void>((resolve) => (secondPassed = resolve))
    let dropDone!: () => void
    const dropped = new Promise<void>((resolve) => (dropDone = resolve))
    let secondBuild: Promise<unknown> | undefined
    let drop: Promise<unknown> | undefined
    const isEntriesQuery = (command: SentCommand) =>
      command.constructor.name === 'QueryCommand' &&
      Object.values(
        (command.input as { ExpressionAttributeValues?: Record<string, unknown> })
          .ExpressionAttributeValues ?? {},
      ).some((value) => String(value).endsWith('#I#n'))
    const firstBuild = refusal(first, sync, async (command) => {
      if (!drop && recordsBuilt(command)) {
        drop = refusal(dropper, sync, async (sent) => {
          if (!secondBuild && isEntriesQuery(sent)) {
            secondBuild = refusal(second, sync, async (own) => {
              if (recordsBuilt(own)) {
                secondPassed()
                await dropped
              }
            })
            await passed
          }
        })
        expect(await drop).toBeUndefined()
        dropDone()
      }
    })
    const failures = [await firstBuild, await secondBuild]
    expect(drop && secondBuild).toBeDefined()
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(APIError)
      expect((failure as APIError).message).toMatch(/called off by another process/)
    }

    // Not read as built: answers come from the collection, exact.
    expect((await adapterOf(second).syncIndexes({ dryRun: true })).pending).toContain('items/n')
    const where = { n: { equals: 2 } }
    expect((await adapterOf(second).explain({ collection: 'items', where })).plan.kind).not.toBe(
      'index',
    )
    expect((await second.count({ collection: 'items', where })).totalDocs).toBe(5)
    // Built again, whole, once no process drops it.
    await dropper.destroy()
    started.splice(started.indexOf(dropper), 1)
    await adapterOf(second).syncIndexes()
    expect((await adapterOf(second).explain({ collection: 'items', where })).plan.kind).toBe(
      'index',
    )
    expect((await second.count({ collection: 'items', where })).totalDocs).toBe(5)
    expect((await second.find({ collection: 'items', where })).totalDocs).toBe(5)
    const report = await adapterOf(second).verifyIndexes({ collection: 'items' })
    expect(report.clean ? 'clean' : report).toBe('clean')
  }, 180_000)
  it('an index made unique that fails part way: its old shape is dropped, the failed build leaves nothing, the next build succeeds', async () => {
    const table = `failed-build-reshape-${randomUUID()}`
    const plain = await bootOnTable(config(false, false, true), table, { buildIndexes: true })
    started.push(plain)
    for (let i = 0; i < DOCUMENTS; i++) {
      await plain.create({ collection: 'items', data: { code: `c${i}`, n: i } })
    }
    const unique = await bootOnTable(config(true, false, true), table, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(unique)

    // The sync drops the index's old (not unique) shape, then builds the unique one; once its
    // pass writes markers, the process of the old config stores a copy of the last code.
    let raced = false
    const failure = await refusal(unique, sync, async (command) => {
      if (!raced && putsCodeMarker(command)) {
        raced = true
        await plain.create({ collection: 'items', data: { code: `c${DOCUMENTS - 1}`, n: -1 } })
      }
    })
    expect(raced).toBe(true)
    expect(failure).toBeInstanceOf(APIError)
    expect((failure as APIError).message).toMatch(/unique value was taken/)
    // Nothing of either shape is left, and no process reads or maintains the index.
    const items = (kind: string) =>
      scanCount(adapterOf(unique), 'begins_with(pk, :prefix)', {
        ':prefix': { S: `C#items#${kind}#code` },
      })
    expect([await items('I'), await items('U'), await items('K')]).toEqual([0, 0, 0])
    expect((await adapterOf(unique).syncIndexes({ dryRun: true })).pending).toContain('items/code')
    const where = { code: { equals: `c${DOCUMENTS - 1}` } }
    for (const payload of [plain, unique]) {
      expect((await adapterOf(payload).explain({ collection: 'items', where })).plan.kind).not.toBe(
        'index',
      )
      expect((await payload.count({ collection: 'items', where })).totalDocs).toBe(2)
    }
    const { docs } = await plain.find({ collection: 'items', where: { n: { equals: -1 } } })
    await plain.update({ id: docs[0]!.id, collection: 'items', data: { code: 'moved' } })

    // Once the data is unique, the unique index is built, exact, and refuses taken values in
    // processes of both configs.
    await adapterOf(unique).syncIndexes()
    const report = await adapterOf(unique).verifyIndexes({ collection: 'items' })
    expect(report.clean ? 'clean' : report).toBe('clean')
    expect((await adapterOf(unique).explain({ collection: 'items', where })).plan.kind).toBe(
      'index',
    )
    expect((await unique.count({ collection: 'items', where })).totalDocs).toBe(1)
    for (const payload of [unique, plain]) {
      await expect(
        payload.create({ collection: 'items', data: { code: 'moved' } }),
      ).rejects.toThrow(/code/)
    }
  }, 180_000)

  it('an index made unique over values several documents hold keeps its old shape: nothing is changed', async () => {
    const table = `failed-build-duplicates-${randomUUID()}`
    const plain = await bootOnTable(config(false, false, true), table, {
      buildIndexes: true,
      readCache: false,
    })
    started.push(plain)
    for (const code of ['a', 'b', 'b', 'c']) {
      await plain.create({ collection: 'items', data: { code, n: 0 } })
    }
    const unique = await bootOnTable(config(true, false, true), table, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(unique)
    const before = await scanCount(adapterOf(plain), 'pk = :pk', { ':pk': { S: 'C#items#I#code' } })

    await expect(adapterOf(unique).syncIndexes()).rejects.toThrow(
      /Cannot build the unique index "code".*Nothing was changed/s,
    )
    // The old shape stays, whole: the process of its config goes on reading it.
    expect(await scanCount(adapterOf(plain), 'pk = :pk', { ':pk': { S: 'C#items#I#code' } })).toBe(
      before,
    )
    const where = { code: { equals: 'b' } }
    expect((await adapterOf(plain).explain({ collection: 'items', where })).plan.kind).toBe('index')
    expect((await plain.count({ collection: 'items', where })).totalDocs).toBe(2)
    expect((await unique.count({ collection: 'items', where })).totalDocs).toBe(2)
    expect((await adapterOf(unique).syncIndexes({ dryRun: true })).pending).toContain('items/code')
    expect((await adapterOf(plain).verifyIndexes({ collection: 'items' })).clean).toBe(true)
  }, 120_000)

  it('a unique index given another type over values stored in the old one keeps its old shape: taken values stay refused', async () => {
    const typed =
      (type: 'number' | 'text') =>
      (db: DatabaseAdapterObj): Config => ({
        collections: [
          {
            slug: 'items',
            fields: [
              {
                name: 'code',
                type,
                unique: true,
              } as Field,
            ],
          },
        ],
        db,
        secret: 'failed-build-secret',
        telemetry: false,
      })
    const table = `failed-build-retyped-${randomUUID()}`
    const text = await bootOnTable(typed('text'), table, { buildIndexes: true, readCache: false })
    started.push(text)
    for (const code of ['1', '2', 'x']) {
      await text.create({ collection: 'items', data: { code } })
    }
    const numbers = await bootOnTable(typed('number'), table, {
      buildIndexes: false,
      readCache: false,
    })
    started.push(numbers)
    const markers = () => scanCount(adapterOf(text), 'pk = :pk', { ':pk': { S: 'C#items#U#code' } })
    expect(await markers()).toBe(3)

    // Before: checked for duplicates only, the old shape was dropped, the build then failed on
    // the texts, and no process of either config refused a taken value any more.
    await expect(adapterOf(numbers).syncIndexes()).rejects.toThrow(
      /Cannot build the index "code".*in another type/s,
    )
    expect(await markers()).toBe(3)
    expect((await adapterOf(numbers).syncIndexes({ dryRun: true })).pending).toContain('items/code')
    expect((await adapterOf(text).verifyIndexes({ collection: 'items' })).clean).toBe(true)
    await expect(text.create({ collection: 'items', data: { code: 'x' } })).rejects.toMatchObject({
      name: 'ValidationError',
    })
    await numbers.create({ collection: 'items', data: { code: 7 } })
    await expect(numbers.create({ collection: 'items', data: { code: 7 } })).rejects.toMatchObject({
      name: 'ValidationError',
    })
    expect((await text.count({ collection: 'items' })).totalDocs).toBe(4)
  }, 120_000)
})
