/**
 * payload.db.migrateDocuments: a data migration rewrites an indexed field and renames unique
 * values of 250 documents through the write path; a run that crashes part-way continues after its
 * last completed page when run again with the same name, and finishes with clean indexes and
 * exact queries; a finished run is not run again.
 */
import type { Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload } from 'payload'

import type { DynamoDBAdapter, MigrateDocumentsProgress } from '../../src/index.js'

import { dynamodbAdapter } from '../../src/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamodbLocal.mjs'

let payload: Payload
const adapterOf = (instance: Payload) => instance.db as unknown as DynamoDBAdapter

beforeAll(async () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT as string
  const config = await buildConfig({
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'status', type: 'text', index: true },
          { name: 'code', type: 'text', unique: true },
          { name: 'n', type: 'number' },
          { name: 'legacy', type: 'text' },
        ],
        versions: true,
      },
    ],
    db: dynamodbAdapter({
      clientConfig: { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION },
      logFallbackQueries: false,
      tableName: `migrate-${randomUUID()}`,
    }),
    secret: 'migrate-documents-secret',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  payload = await getPayload({ config, key: `migrate-${randomUUID()}` })
  const adapter = adapterOf(payload)
  for (let start = 0; start < 250; start += 25) {
    await Promise.all(
      Array.from({ length: 25 }, (_, offset) => start + offset).map((n) =>
        adapter.create({
          collection: 'items',
          data: { code: `c${n}`, legacy: 'x', n, status: n % 2 === 0 ? 'old-even' : 'old-odd' },
        }),
      ),
    )
  }
})

afterAll(async () => {
  await payload?.destroy()
})

/** Idempotent: a document already migrated is left as it is. */
function migrate(doc: Record<string, unknown>) {
  if (typeof doc.status !== 'string' || !doc.status.startsWith('old-')) {
    return undefined
  }
  const { legacy: _legacy, ...rest } = doc
  return {
    ...rest,
    code: `item-${String(doc.code)}`,
    status: doc.status === 'old-even' ? 'even' : 'odd',
  }
}

test('a crashed run continues where it stopped, finishes clean, and is not run again', async () => {
  const adapter = adapterOf(payload)
  const name = '20250101_000000_statuses:items'
  let seen = 0
  await expect(
    adapter.migrateDocuments({
      collection: 'items',
      concurrency: 1,
      name,
      pageSize: 50,
      transform: (doc) => {
        if (++seen === 130) {
          throw new Error('simulated crash')
        }
        return migrate(doc)
      },
    }),
  ).rejects.toThrow('simulated crash')
  // Pages 1 and 2 are recorded; the third was part-way (documents 101-129 written).
  const migratedSoFar = await payload.count({
    collection: 'items',
    where: { status: { in: ['even', 'odd'] } },
  })
  expect(migratedSoFar.totalDocs).toBe(129)

  const progress: MigrateDocumentsProgress[] = []
  const resumed = await adapter.migrateDocuments({
    collection: 'items',
    name,
    onProgress: (each) => {
      progress.push(each)
    },
    pageSize: 50,
    transform: migrate,
  })
  expect(resumed).toMatchObject({
    alreadyDone: false,
    // 100 in the first run's recorded pages, 21 + 100 now (101-129 were already migrated).
    changed: 221,
    deleted: 0,
    documents: 250,
    done: true,
    resumed: true,
  })
  expect(resumed.cursor).toBeUndefined()
  // The resumed run started at the third page (DynamoDB may end with an empty page).
  expect(progress.map((each) => each.documents).slice(0, 3)).toEqual([150, 200, 250])
  expect(progress.at(-1)).toMatchObject({ cursor: undefined, documents: 250 })

  const report = await adapter.verifyIndexes({ collection: 'items' })
  expect(report.clean).toBe(true)
  expect(report.documents).toBe(250)

  const even = await payload.find({
    collection: 'items',
    limit: 300,
    where: { status: { equals: 'even' } },
  })
  expect(even.totalDocs).toBe(125)
  expect(even.docs.every((doc) => doc.status === 'even' && doc.n % 2 === 0)).toBe(true)
  expect(
    (await payload.count({ collection: 'items', where: { status: { like: 'old' } } })).totalDocs,
  ).toBe(0)
  const renamed = await payload.find({
    collection: 'items',
    where: { code: { equals: 'item-c7' } },
  })
  expect(renamed.docs.map((doc) => doc.n)).toEqual([7])
  expect(renamed.docs[0]).not.toHaveProperty('legacy')
  expect(
    (await payload.find({ collection: 'items', where: { code: { equals: 'c7' } } })).totalDocs,
  ).toBe(0)
  // The old unique values are free again; the new ones are taken.
  await payload.create({ collection: 'items', data: { code: 'c7', n: 1000, status: 'odd' } })
  await expect(
    payload.create({ collection: 'items', data: { code: 'item-c7', n: 1001, status: 'odd' } }),
  ).rejects.toThrow()
  await payload.delete({ collection: 'items', where: { n: { greater_than_equal: 1000 } } })

  // Run again: recorded as done, nothing is read or written.
  let called = 0
  const again = await adapter.migrateDocuments({
    collection: 'items',
    name,
    transform: (doc) => {
      called++
      return migrate(doc)
    },
  })
  expect(again).toMatchObject({ alreadyDone: true, changed: 221, documents: 250, done: true })
  expect(called).toBe(0)

  // Rolled back (migrate:down, migrate:refresh, migrate:reset: here a reset with no migration
  // recorded): an `up` run again walks again.
  await adapter.migrateReset()
  const afterReset = await adapter.migrateDocuments({
    collection: 'items',
    name,
    transform: () => {
      called++
      return undefined
    },
  })
  expect(afterReset).toMatchObject({ alreadyDone: false, done: true })
  expect(called).toBeGreaterThan(0)
})

test('unnamed runs: deletes, a concurrent change transformed again, versions, a signal', async () => {
  const adapter = adapterOf(payload)
  // A concurrent writer changes a document between the read of its page and its write: the
  // write's revision condition fails, the document is read again and transformed again.
  const target = (await payload.find({ collection: 'items', where: { n: { equals: 3 } } })).docs[0]
  let interfered = false
  const result = await adapter.migrateDocuments({
    collection: 'items',
    pageSize: 100,
    transform: async (doc) => {
      if (doc.id === target.id && !interfered) {
        interfered = true
        await payload.update({ id: target.id, collection: 'items', data: { legacy: 'late' } })
      }
      if (doc.n === 249) {
        return null
      }
      return doc.id === target.id ? { ...doc, code: 'item-c3-b' } : undefined
    },
  })
  expect(result).toMatchObject({ changed: 1, deleted: 1, documents: 250, done: true })
  const changed = await payload.findByID({ id: target.id, collection: 'items' })
  // Both the concurrent change and the migration's are there.
  expect(changed).toMatchObject({ code: 'item-c3-b', legacy: 'late' })
  expect((await payload.count({ collection: 'items' })).totalDocs).toBe(249)
  expect((await adapter.verifyIndexes({ collection: 'items' })).clean).toBe(true)

  // Versions: one version per document created through Payload (versions: true).
  const versions = await adapter.migrateDocuments({
    collection: 'items',
    transform: () => undefined,
    versions: true,
  })
  expect(versions.done).toBe(true)
  expect(versions.changed).toBe(0)

  // Stopped by a signal after the first page; the cursor continues it.
  const controller = new AbortController()
  controller.abort()
  const first = await adapter.migrateDocuments({
    collection: 'items',
    pageSize: 100,
    signal: controller.signal,
    transform: () => undefined,
  })
  expect(first).toMatchObject({ documents: 100, done: false })
  expect(first.cursor).toEqual(expect.any(String))
  const rest = await adapter.migrateDocuments({
    collection: 'items',
    cursor: first.cursor,
    transform: () => undefined,
  })
  expect(rest).toMatchObject({ documents: 149, done: true, resumed: true })
})
