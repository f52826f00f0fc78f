/**
 * `verifyIndexes` finds every kind of index drift and `repairIndexes` fixes it in place: the table
 * is corrupted directly (entries deleted, orphan and stale entries added, markers dropped and left
 * behind, the counter changed), then verified, repaired and queried. Repair also runs while
 * Payload keeps writing, and must leave nothing for a later verify to find.
 */
import type { Payload, Where } from 'payload'

import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'

import type { DynamoDBAdapter, RepairReport } from '../../src/index.js'
import type { Doc } from '../../src/query/types.js'

import { indexEntries, uniqueMarkers } from '../../src/indexes/entries.js'
import { indexesOf, localeCodes } from '../../src/indexes/registry.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { boot, type Booted, THROUGH_INDEXES } from '../support/bootPayload.js'

const slug = 'items'

let booted: Booted
let payload: Payload
let db: DynamoDBAdapter

beforeAll(async () => {
  booted = await boot(
    (adapter) => ({
      collections: [
        {
          slug,
          fields: [
            { name: 'sku', type: 'text', unique: true },
            { name: 'status', type: 'select', index: true, options: ['new', 'paid', 'sent'] },
            { name: 'qty', type: 'number', index: true },
          ],
        },
      ],
      db: adapter,
      secret: 'repair-test-secret',
      telemetry: false,
      typescript: { autoGenerate: false },
    }),
    'dynamodb',
    THROUGH_INDEXES,
  )
  payload = booted.payload
  db = payload.db as unknown as DynamoDBAdapter
})

afterAll(async () => {
  await booted?.close()
})

const namespace = () => collectionNamespace(db, slug)
const entriesOf = (doc: Doc) =>
  indexEntries(namespace(), indexesOf(db, namespace()), localeCodes(db), doc)
const markersOf = (doc: Doc) =>
  uniqueMarkers(namespace(), indexesOf(db, namespace()), localeCodes(db), doc).map(
    ({ id, pk, sk }) => ({ id, pk, sk }),
  )
const inIndex = (name: string) => (item: { pk: string }) => item.pk.endsWith(`#I#${name}`)

async function put(item: Record<string, unknown>) {
  await db.docClient.send(new PutCommand({ Item: item, TableName: db.tableName }))
}
async function remove(key: { pk: string; sk: string }) {
  await db.docClient.send(
    new DeleteCommand({ Key: { pk: key.pk, sk: key.sk }, TableName: db.tableName }),
  )
}
async function ids(where: Where): Promise<string[]> {
  const found = await payload.find({ collection: slug, limit: 0, pagination: false, where })
  return found.docs.map((doc) => String(doc.id)).sort()
}

describe('verifyIndexes and repairIndexes', () => {
  it('report every kind of drift, repair it, and leave the indexes exact', async () => {
    const docs: Doc[] = []
    for (let i = 0; i < 10; i++) {
      docs.push(
        (await payload.create({
          collection: slug,
          data: { qty: i, sku: `sku-${i}`, status: i % 2 ? 'paid' : 'new' },
        })) as unknown as Doc,
      )
    }
    expect(await db.verifyIndexes({ collection: slug })).toMatchObject({
      clean: true,
      counter: 10,
      documents: 10,
    })

    // Missing entries: two documents lose their `status` entry.
    for (const doc of docs.slice(0, 2)) {
      await remove(entriesOf(doc).find(inIndex('status'))!)
    }
    // Orphan entries: one for a value the document does not have, two for a document that
    // does not exist.
    await put({ ...entriesOf({ ...docs[2], status: 'sent' }).find(inIndex('status'))! })
    const ghost = { ...docs[3], id: 'no-such-document', qty: 3, status: 'sent' }
    await put({ ...entriesOf(ghost).find(inIndex('status'))! })
    await put({ ...entriesOf(ghost).find(inIndex('qty'))! })
    // A stale entry: the createdAt it carries is wrong.
    await put({ ...entriesOf(docs[3]).find(inIndex('qty'))!, c: 12345 })
    // Stale markers: one of a document that does not exist, one whose owner has another value,
    // and one sitting on a value another document holds (so that document's marker is missing).
    await put({ ...markersOf({ ...docs[4], sku: 'freed-value' })[0], id: 'no-such-document' })
    await put(markersOf({ ...docs[5], sku: 'old-value' })[0])
    await put({ ...markersOf(docs[6])[0], id: 'no-such-document' })
    // A missing marker.
    await remove(markersOf(docs[7])[0])
    // The counter is off (by 3, on its base item; writes add to its shards).
    await db.docClient.send(
      new UpdateCommand({
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':n': 3 },
        Key: { pk: namespace().pk, sk: 'M#count' },
        TableName: db.tableName,
        UpdateExpression: 'ADD #count :n',
      }),
    )

    // The corruption shows: a document is missing from its status, a duplicate goes through.
    expect(await ids({ status: { equals: 'new' } })).not.toContain(String(docs[0].id))

    const found = await db.verifyIndexes({ collection: slug })
    expect(found).toMatchObject({
      clean: false,
      counter: 13,
      counterOff: 3,
      documents: 10,
      duplicateValues: 0,
      missingEntries: 2,
      missingMarkers: 2,
      orphanEntries: 3,
      staleEntries: 1,
      staleMarkers: 3,
    })
    expect(found.examples.missingEntries.map((example) => String(example.id)).sort()).toEqual(
      [docs[0].id, docs[1].id].map(String).sort(),
    )
    expect(found.examples.orphanEntries.map((example) => example.reason).sort()).toEqual([
      'no such document',
      'no such document',
      'the document no longer has this value',
    ])
    expect(found.examples.staleEntries).toEqual([
      expect.objectContaining({ id: docs[3].id, reason: expect.stringContaining('12345') }),
    ])
    expect(found.examples.staleMarkers.map((example) => String(example.id)).sort()).toEqual(
      ['no-such-document', 'no-such-document', String(docs[5].id)].sort(),
    )
    expect(found.examples.missingMarkers.map((example) => String(example.id)).sort()).toEqual(
      [docs[6].id, docs[7].id].map(String).sort(),
    )

    const repaired = await db.repairIndexes({ collection: slug, pageSize: 3 })
    expect(repaired.found).toEqual(found)
    expect(repaired).toMatchObject({
      counter: { from: 13, to: 10 },
      entriesDeleted: 3,
      entriesPut: 3,
      markersDeleted: 3,
      markersPut: 2,
      skipped: [],
    })

    const after = await db.verifyIndexes({ collection: slug })
    expect(after).toMatchObject({ clean: true, counter: 10, counterOff: 0, documents: 10 })
    // Running it again finds nothing to do.
    expect(await db.repairIndexes({ collection: slug })).toMatchObject({
      documents: 0,
      entriesDeleted: 0,
      entriesPut: 0,
      markersDeleted: 0,
      markersPut: 0,
      passes: 0,
    })

    // Queries on the indexed fields return exactly the expected documents.
    const expected = (match: (doc: Doc) => boolean) =>
      docs
        .filter(match)
        .map((doc) => String(doc.id))
        .sort()
    expect(await ids({ status: { equals: 'new' } })).toEqual(expected((d) => d.status === 'new'))
    expect(await ids({ status: { equals: 'paid' } })).toEqual(expected((d) => d.status === 'paid'))
    expect(await ids({ status: { equals: 'sent' } })).toEqual([])
    expect(await ids({ qty: { greater_than_equal: 2, less_than: 5 } })).toEqual(
      expected((d) => (d.qty as number) >= 2 && (d.qty as number) < 5),
    )
    // The repaired createdAt (c) orders the default list again.
    const newest = await payload.find({
      collection: slug,
      limit: 0,
      pagination: false,
      sort: '-createdAt',
      where: { status: { in: ['new', 'paid'] } },
    })
    const times = newest.docs.map((doc) => Date.parse(doc.createdAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(newest.docs).toHaveLength(10)
    expect(await payload.count({ collection: slug })).toEqual({ totalDocs: 10 })

    // Uniqueness holds again: the dropped markers are back, the stale ones freed their values.
    for (const taken of [docs[6].sku, docs[7].sku]) {
      await expect(
        payload.create({ collection: slug, data: { qty: 0, sku: taken, status: 'new' } }),
      ).rejects.toThrow()
    }
    const freed = await payload.create({
      collection: slug,
      data: { qty: 0, sku: 'freed-value', status: 'new' },
    })
    await payload.update({ id: docs[8].id as string, collection: slug, data: { sku: 'old-value' } })
    await payload.delete({ id: freed.id, collection: slug })
    expect(await db.verifyIndexes({ collection: slug })).toMatchObject({ clean: true })
  })

  it('repairs while Payload keeps writing, and leaves nothing for a later verify', async () => {
    await payload.delete({ collection: slug, where: { qty: { exists: true } } })
    const quiet: Doc[] = []
    const busy: Doc[] = []
    for (let i = 0; i < 24; i++) {
      const doc = (await payload.create({
        collection: slug,
        data: { qty: i, sku: `c-${i}`, status: 'new' },
      })) as unknown as Doc
      ;(i < 8 ? quiet : busy).push(doc)
    }
    // Drift on documents nobody writes to while the repair runs.
    await remove(entriesOf(quiet[0]).find(inIndex('qty'))!)
    await put({ ...entriesOf({ ...quiet[1], qty: 999 }).find(inIndex('qty'))! })
    await remove(markersOf(quiet[2])[0])
    await put({ ...markersOf({ ...quiet[3], sku: 'gone' })[0] })
    await put({ ...entriesOf(quiet[4]).find(inIndex('status'))!, c: 1 })

    // Four writers: each updates its own documents (values, unique values), creates and deletes.
    let stop = false
    let writes = 0
    const failures: unknown[] = []
    const writer = async (lane: number) => {
      const mine = busy.filter((_, index) => index % 4 === lane)
      for (let i = 0; !stop; i++) {
        const target = mine[i % mine.length]
        try {
          if (i % 4 === 3) {
            const created = await payload.create({
              collection: slug,
              data: { qty: 1000 + i, sku: `w${lane}-${i}`, status: 'new' },
            })
            await payload.delete({ id: created.id, collection: slug })
          } else {
            await payload.update({
              id: target.id as string,
              collection: slug,
              data: {
                qty: (i * 7 + lane) % 50,
                sku: `b${lane}-${i}`,
                status: (['new', 'paid', 'sent'] as const)[i % 3],
              },
            })
          }
          writes++
        } catch (error) {
          failures.push(error)
        }
      }
    }
    const writers = [0, 1, 2, 3].map(writer)
    const reports: RepairReport[] = []
    for (let round = 0; round < 3; round++) {
      reports.push(await db.repairIndexes({ collection: slug, pageSize: 5 }))
    }
    const writesDuringRepair = writes
    stop = true
    await Promise.all(writers)
    expect(failures).toEqual([])
    expect(writesDuringRepair).toBeGreaterThan(20)

    // The scans saw the busy documents mid-write (transient drift), but everything a repair
    // re-read before writing was in order: the only writes are the five real fixes.
    const total = (key: 'entriesDeleted' | 'entriesPut' | 'markersDeleted' | 'markersPut') =>
      reports.reduce((sum, report) => sum + report[key], 0)
    expect({
      entriesDeleted: total('entriesDeleted'),
      entriesPut: total('entriesPut'),
      markersDeleted: total('markersDeleted'),
      markersPut: total('markersPut'),
    }).toEqual({ entriesDeleted: 1, entriesPut: 2, markersDeleted: 1, markersPut: 1 })
    // A document can only be skipped for changing under every round: never a quiet one.
    const quietIDs = quiet.map((doc) => String(doc.id))
    expect(
      reports.flatMap((report) => report.skipped).filter(({ id }) => quietIDs.includes(String(id))),
    ).toEqual([])

    // No repair after the writers stopped: the indexes are exact.
    const report = await db.verifyIndexes({ collection: slug })
    expect(report.examples).toEqual({
      duplicateValues: [],
      missingEntries: [],
      missingMarkers: [],
      orphanEntries: [],
      staleEntries: [],
      staleMarkers: [],
      valueCounters: [],
    })
    expect(report).toMatchObject({ clean: true, counter: 24, documents: 24 })
  })
})
