/**
 * A process holding collections under their read leases answers a write's checks from memory
 * (related documents exist, unique values are free: read/snapshots.ts `documentsForChecks`), and
 * takes its own writes into what it holds from what they stored (storage/storedImage.ts), without
 * reading them back. Both must be what DynamoDB would answer: the documents it holds equal a fresh
 * read, and a value or a related document another process changed is judged as stored.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { UpdateCommand } from '@aws-sdk/lib-dynamodb'
import { randomUUID } from 'node:crypto'
import { ValidationError } from 'payload'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../../src/index.js'

import { counterKey } from '../../src/keys/counterKey.js'
import { leaseServes } from '../../src/leases/holdLease.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { bootOnTable } from '../support/bootPayload.js'
import { setEnv } from '../support/env.js'
import { endCooldown } from '../support/leaseCooldown.js'

const LEASE_MS = 1_000

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      { slug: 'authors', fields: [{ name: 'name', type: 'text' }] },
      {
        slug: 'posts',
        fields: [
          { name: 'slug', type: 'text', unique: true },
          { name: 'score', type: 'number', index: true },
          { name: 'when', type: 'date' },
          { name: 'data', type: 'json' },
          { name: 'rows', type: 'array', fields: [{ name: 'label', type: 'text' }] },
          { name: 'author', type: 'relationship', relationTo: 'authors' },
        ],
      },
    ],
    db,
    secret: 'write-checks-from-memory',
    telemetry: false,
  }
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

/** Counts and lists both collections until this process answers them under its leases. */
async function untilLeased(payload: Payload): Promise<void> {
  const adapter = adapterOf(payload)
  for (let round = 0; round < 400; round++) {
    await payload.count({ collection: 'posts' })
    await payload.count({ collection: 'authors' })
    if (
      ['posts', 'authors'].every((slug) =>
        leaseServes(adapter, collectionNamespace(adapter, slug).pk),
      )
    ) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('the leases were never taken')
}

/** Values a JavaScript object and a DynamoDB item hold differently, if the image is not exact. */
const awkward = (i: number) => ({
  data: {
    big: 2 ** 53 + 2 * i,
    empty: '',
    huge: 1e21,
    list: [1, null, 'two', { deep: [-0, 0.1 + 0.2] }],
    missing: null,
    negativeZero: -0,
    nested: { a: { b: { c: `level ${i}` } }, z: true },
    tiny: 1.5e-7,
    unicode: 'Grüße 👋 ‮',
  },
  rows: [{ label: `row ${i}` }, { label: '' }],
  score: i % 2 === 0 ? -0 : i / 3,
  slug: `post-${i}`,
  when: new Date(Date.UTC(2024, 0, 1 + i)).toISOString(),
})

describe('write checks answered from memory under read leases', () => {
  const tableName = `write-checks-${randomUUID()}`
  const started: Payload[] = []
  let restoreEnv = () => {}

  // Holding is what these tests are about: chosen, so `TEST_READ_CACHE=off` leaves it on.
  const start = async (options: Partial<DynamoDBAdapterArgs> = {}) => {
    const payload = await bootOnTable(config, tableName, { readCache: {}, ...options })
    started.push(payload)
    return payload
  }
  /** Ends this test's processes (a destroyed holder gives its leases back). */
  const stopAll = async () => {
    for (const payload of started.splice(0)) {
      await payload.destroy()
    }
  }

  beforeAll(() => {
    restoreEnv = setEnv('PAYLOAD_DYNAMODB_READ_LEASE_MS', String(LEASE_MS))
  })

  afterAll(async () => {
    await stopAll()
    restoreEnv()
  })

  it('holds what its own writes stored exactly as a fresh read returns it, without reading them back', async () => {
    const holder = await start()
    const author = await holder.create({ collection: 'authors', data: { name: 'Ann' } })
    await holder.create({ collection: 'posts', data: { ...awkward(0), author: author.id } })
    await untilLeased(holder)
    const stats = adapterOf(holder).stats
    const before = stats.snapshot()
    const startedAt = performance.now()
    const ids: (number | string)[] = []
    for (let i = 1; i <= 6; i++) {
      ids.push(
        (await holder.create({ collection: 'posts', data: { ...awkward(i), author: author.id } }))
          .id,
      )
    }
    await holder.update({
      collection: 'posts',
      data: { data: { replaced: [-0, 'x'] } },
      id: ids[0],
    })
    await holder.delete({ collection: 'posts', id: ids[1] })
    const held = await holder.find({ collection: 'posts', depth: 0, limit: 0, sort: 'slug' })
    const after = stats.snapshot()
    const elapsed = performance.now() - startedAt
    const sent = (command: string) =>
      (after.requestsByCommand[command] ?? 0) - (before.requestsByCommand[command] ?? 0)
    // Each create, the update and the delete one transaction; no document of `posts` read back
    // (reads by key are the leases' background confirmations, one per LEASE_MS / 3 at most).
    expect(sent('TransactWrite')).toBe(8)
    expect(sent('Get')).toBe(0)
    expect(sent('BatchGet')).toBeLessThanOrEqual(Math.ceil(elapsed / (LEASE_MS / 3)) + 1)

    const fresh = await start({ readCache: false })
    const read = await fresh.find({ collection: 'posts', depth: 0, limit: 0, sort: 'slug' })
    expect(held.docs).toHaveLength(6)
    expect(held.docs).toEqual(read.docs)
    // Also as JSON with the keys in one order (toEqual treats -0 and 0 as different, JSON not).
    const canonical = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(canonical)
        : value && typeof value === 'object'
          ? Object.fromEntries(
              Object.keys(value)
                .sort()
                .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
            )
          : value
    expect(JSON.stringify(canonical(held.docs))).toBe(JSON.stringify(canonical(read.docs)))
    expect((await adapterOf(holder).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    await stopAll()
  }, 120_000)

  it("refuses a unique value and a related document as another process's writes left them", async () => {
    const [holder, other] = [await start(), await start()]
    const stats = adapterOf(holder).stats
    const gone = await holder.create({ collection: 'authors', data: { name: 'Gone' } })
    const kept = await holder.create({ collection: 'authors', data: { name: 'Kept' } })
    await untilLeased(holder)
    const before = stats.snapshot()
    // Under the lease, a taken value and a missing author fail without a request.
    await expect(
      holder.create({ collection: 'posts', data: { author: kept.id, slug: 'post-3' } }),
    ).rejects.toBeInstanceOf(ValidationError)
    await expect(
      holder.create({ collection: 'posts', data: { author: 'missing', slug: 'fresh' } }),
    ).rejects.toBeInstanceOf(ValidationError)
    const after = stats.snapshot()
    expect(after.requestsByCommand.Query ?? 0).toBe(before.requestsByCommand.Query ?? 0)
    expect(after.requestsByCommand.TransactWrite ?? 0).toBe(
      before.requestsByCommand.TransactWrite ?? 0,
    )

    // The other process takes a value and deletes an author (taking both leases back first).
    await other.create({ collection: 'posts', data: { author: kept.id, slug: 'taken-elsewhere' } })
    await other.delete({ collection: 'authors', id: gone.id })
    const refused = await holder
      .create({ collection: 'posts', data: { author: kept.id, slug: 'taken-elsewhere' } })
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as ValidationError).data.errors.map((error) => error.path)).toEqual(['slug'])
    const orphan = await holder
      .create({ collection: 'posts', data: { author: gone.id, slug: 'orphan' } })
      .catch((error: unknown) => error)
    expect(orphan).toBeInstanceOf(ValidationError)
    expect((orphan as ValidationError).data.errors.map((error) => error.path)).toEqual(['author'])

    // And a value the other process let go of is free again for the holder.
    const [taken] = (
      await other.find({ collection: 'posts', where: { slug: { equals: 'taken-elsewhere' } } })
    ).docs
    await other.update({ collection: 'posts', data: { slug: 'moved' }, id: taken.id })
    const reused = await holder.create({
      collection: 'posts',
      data: { author: kept.id, slug: 'taken-elsewhere' },
    })
    expect(reused.slug).toBe('taken-elsewhere')
    // The other process took both leases back, so they cool down: the holder's checks read the
    // table in one BatchGetItem again, not the counter items of each collection.
    // (Its queries hold both collections again meanwhile.)
    await holder.count({ collection: 'posts' })
    await holder.count({ collection: 'authors' })
    const cooling = stats.snapshot()
    await holder.create({ collection: 'posts', data: { author: kept.id, slug: 'cooling' } })
    const cooled = stats.snapshot()
    const sentSince = (command: string) =>
      (cooled.requestsByCommand[command] ?? 0) - (cooling.requestsByCommand[command] ?? 0)
    expect(sentSince('Query')).toBe(0)
    expect(sentSince('BatchGet')).toBeGreaterThanOrEqual(1)
    expect(sentSince('TransactWrite')).toBe(1)
    for (const payload of [holder, other]) {
      expect(
        (
          await payload.count({
            collection: 'posts',
            where: { slug: { equals: 'taken-elsewhere' } },
          })
        ).totalDocs,
      ).toBe(1)
    }
    expect((await adapterOf(holder).verifyIndexes({ collection: 'posts' })).clean).toBe(true)
  }, 120_000)

  it('two processes racing for the same unique values, one holding the leases: one holder each, counts exact', async () => {
    const other = await start()
    // The test above took both leases back: their cooldowns end before the holder starts.
    await endCooldown(other, 'posts')
    await endCooldown(other, 'authors')
    const holder = await start()
    const author = await holder.create({ collection: 'authors', data: { name: 'Racer' } })
    await untilLeased(holder)
    const before = (await holder.count({ collection: 'posts' })).totalDocs
    // 24 creates at once, half through each process: pairs race for 6 slugs, the rest take their own.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 24 }, (_, i) =>
        (i % 2 === 0 ? holder : other).create({
          collection: 'posts',
          data: { author: author.id, slug: i < 12 ? `raced-${i % 6}` : `own-${i}` },
        }),
      ),
    )
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected')
    for (const outcome of refused) {
      const reason = (outcome as PromiseRejectedResult).reason as ValidationError
      expect(reason).toBeInstanceOf(ValidationError)
      expect(reason.data.errors.map((error) => error.path)).toEqual(['slug'])
    }
    expect(refused).toHaveLength(6)
    for (const payload of [holder, other]) {
      expect((await payload.count({ collection: 'posts' })).totalDocs).toBe(before + 18)
      expect(
        (await payload.count({ collection: 'posts', where: { slug: { like: 'raced-' } } }))
          .totalDocs,
      ).toBe(6)
    }
    const report = await adapterOf(holder).verifyIndexes({ collection: 'posts' })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
    expect(report.counter).toBe(report.documents)
    await stopAll()
  }, 120_000)

  it('empties the table while it takes leases, and every write after that succeeds', async () => {
    const payload = await start()
    const adapter = adapterOf(payload)
    // Creates check their related author and their unique slug in memory: after five such checks
    // the process takes the leases of both collections in the background (an update of each state
    // item, then of every counter shard), which the clear below meets at different points.
    for (let round = 0; round < 12; round++) {
      const author = await payload.create({ collection: 'authors', data: { name: `A${round}` } })
      for (let i = 0; i < 4 + (round % 6); i++) {
        await payload.create({
          collection: 'posts',
          data: { author: author.id, slug: `round-${round}-${i}` },
        })
      }
      await adapter.clearDatabase()
      const after = await payload.create({ collection: 'authors', data: { name: 'After' } })
      await payload.create({ collection: 'posts', data: { author: after.id, slug: 'after' } })
      expect((await payload.count({ collection: 'posts' })).totalDocs).toBe(1)
      expect((await adapter.verifyIndexes({ collection: 'posts' })).clean).toBe(true)
      await adapter.clearDatabase()
    }
    await stopAll()
  }, 120_000)

  it('lifts the index version of a state item left behind a counter shard, and writes go on', async () => {
    const payload = await start({ readCache: { lease: false } })
    const adapter = adapterOf(payload)
    await payload.create({ collection: 'posts', data: { slug: 'before' } })
    // What another process's migrate:fresh during a shard bump leaves: shards newer than the
    // state item (test-only edits of the items).
    const namespace = collectionNamespace(adapter, 'posts')
    for (let shard = 0; shard < adapter.counterShards; shard++) {
      await adapter.docClient.send(
        new UpdateCommand({
          ExpressionAttributeNames: { '#iv': 'iv' },
          ExpressionAttributeValues: { ':iv': 99 },
          Key: counterKey(namespace.pk, shard),
          TableName: adapter.tableName,
          UpdateExpression: 'SET #iv = :iv',
        }),
      )
    }
    await payload.create({ collection: 'posts', data: { slug: 'after' } })
    expect((await payload.count({ collection: 'posts' })).totalDocs).toBe(2)
    expect((await adapter.verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    await stopAll()
  }, 120_000)
})
