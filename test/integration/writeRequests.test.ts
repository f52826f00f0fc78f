/**
 * The requests of a create through Payload (its transaction on, the default). Without read
 * leases, the related documents and the unique values it takes are read in one BatchGetItem
 * (storage/readTogether.ts), then one TransactWriteItems writes it. Under the read leases of the
 * three collections, both checks are answered from memory: the create is its TransactWriteItems
 * alone. Either way a taken value or a missing related document fails with Payload's
 * ValidationError, and nothing is written.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { boot, type Booted, closeAll } from '../support/bootPayload.js'
import { requestTrace } from '../support/requestTrace.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      { slug: 'authors', fields: [{ name: 'name', type: 'text' }] },
      { slug: 'tags', fields: [{ name: 'label', type: 'text' }] },
      {
        slug: 'articles',
        fields: [
          { name: 'slug', type: 'text', unique: true },
          { name: 'code', type: 'text', unique: true },
          { name: 'author', type: 'relationship', relationTo: 'authors' },
          { name: 'tags', type: 'relationship', hasMany: true, relationTo: 'tags' },
        ],
      },
    ],
    db,
    secret: 'write-requests-secret',
    telemetry: false,
  }
}

/** What `work` sent, by command (the read leases' background confirmations left out). */
async function requestsOf(payload: Payload, work: () => Promise<unknown>) {
  const trace = requestTrace(payload.db as unknown as DynamoDBAdapter)
  const start = trace.length
  let failure: unknown
  try {
    await work()
  } catch (error) {
    failure = error
  }
  const sent: Record<string, number> = {}
  for (const command of trace.slice(start)) {
    sent[command] = (sent[command] ?? 0) + 1
  }
  return { failure, sent }
}

/** Counts each collection until its counts send no request: this process holds its read lease. */
async function takeLeases(payload: Payload): Promise<void> {
  for (const collection of ['authors', 'tags', 'articles'] as const) {
    for (let attempt = 0; ; attempt++) {
      const { sent } = await requestsOf(payload, () => payload.count({ collection }))
      if (Object.keys(sent).length === 0) {
        break
      }
      if (attempt > 40) {
        throw new Error(`No read lease on ${collection} after ${attempt} counts.`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}

describe.each([
  {
    lease: false,
    mode: 'without read leases',
    reads: { BatchGet: 1 },
  },
  { lease: true, mode: 'under read leases', reads: {} },
])('the requests of a create, $mode', ({ lease, reads }) => {
  let booted: Booted
  let payload: Payload
  let author: number | string
  let tags: (number | string)[]

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb', { readCache: { lease } })
    payload = booted.payload
    author = (await payload.create({ collection: 'authors', data: { name: 'Ann' } })).id
    tags = await Promise.all(
      ['one', 'two'].map(
        async (label) => (await payload.create({ collection: 'tags', data: { label } })).id,
      ),
    )
    await payload.create({
      collection: 'articles',
      data: { author, code: 'c-0', slug: 'first', tags },
    })
    if (lease) {
      await takeLeases(payload)
    }
  })

  afterAll(() => closeAll(booted))

  it('checks its related documents and unique values (one read at most), then writes once', async () => {
    const { failure, sent } = await requestsOf(payload, () =>
      payload.create({
        collection: 'articles',
        data: { author, code: 'c-1', slug: 'second', tags },
      }),
    )
    expect(failure).toBeUndefined()
    expect(sent).toEqual({ ...reads, TransactWrite: 1 })
    const stored = await payload.find({
      collection: 'articles',
      where: { slug: { equals: 'second' } },
    })
    expect(stored.docs.map((doc) => [doc.code, (doc.author as { id: unknown }).id])).toEqual([
      ['c-1', author],
    ])
  })

  it('a taken unique value fails after that check, and nothing is written', async () => {
    const { failure, sent } = await requestsOf(payload, () =>
      payload.create({
        collection: 'articles',
        data: { author, code: 'c-2', slug: 'first', tags },
      }),
    )
    expect(failure).toBeInstanceOf(ValidationError)
    expect((failure as ValidationError).data.errors.map((error) => error.path)).toEqual(['slug'])
    expect(sent).toEqual(reads)
    expect(
      (await payload.count({ collection: 'articles', where: { code: { equals: 'c-2' } } }))
        .totalDocs,
    ).toBe(0)
  })

  it('a missing related document fails after that check, and nothing is written', async () => {
    const missing = String(author).replace(/.$/, (last) => (last === '0' ? '1' : '0'))
    const { failure, sent } = await requestsOf(payload, () =>
      payload.create({
        collection: 'articles',
        data: { author: missing, code: 'c-3', slug: 'third', tags },
      }),
    )
    expect(failure).toBeInstanceOf(ValidationError)
    expect((failure as ValidationError).data.errors.map((error) => error.path)).toEqual(['author'])
    expect(sent).toEqual(reads)
    expect(
      (await payload.count({ collection: 'articles', where: { code: { equals: 'c-3' } } }))
        .totalDocs,
    ).toBe(0)
  })

  it('many creates at once, each reading its related documents and unique values together: one holder per value, indexes clean', async () => {
    const before = (
      await payload.count({ collection: 'articles', where: { author: { equals: author } } })
    ).totalDocs
    const outcomes = await Promise.allSettled(
      Array.from({ length: 24 }, (_, i) =>
        payload.create({
          collection: 'articles',
          // Half race for one slug, half take their own; every one refers to the author and tags.
          data: { author, code: `race-${i}`, slug: i % 2 === 0 ? 'raced' : `own-${i}`, tags },
        }),
      ),
    )
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(refused).toHaveLength(11)
    for (const outcome of refused) {
      const reason = (outcome as PromiseRejectedResult).reason as ValidationError
      expect(reason).toBeInstanceOf(ValidationError)
      expect(reason.data.errors.map((error) => error.path)).toEqual(['slug'])
    }
    expect(
      (await payload.count({ collection: 'articles', where: { slug: { equals: 'raced' } } }))
        .totalDocs,
    ).toBe(1)
    expect(
      (await payload.count({ collection: 'articles', where: { slug: { like: 'own-' } } }))
        .totalDocs,
    ).toBe(12)
    expect(
      (await payload.count({ collection: 'articles', where: { author: { equals: author } } }))
        .totalDocs,
    ).toBe(before + 13)
    expect(
      (await payload.count({ collection: 'articles', where: { tags: { in: tags } } })).totalDocs,
    ).toBe(before + 13)
    const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'articles',
    })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
    expect(report.counter).toBe(report.documents)
  })
})
