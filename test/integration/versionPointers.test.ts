/**
 * Each document of a collection with drafts has a latest-version pointer item (what concurrent
 * saves of it serialize on, write/versionWrites.ts). Deleting the versions it points at deletes
 * it in the same transaction; before, every pointer outlived its document. Racing a delete, a
 * save still leaves one latest version and no pointer to a version that is gone.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { QueryCommand } from '@aws-sdk/lib-dynamodb'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { partitionKey } from '../../src/keys/itemKeys.js'
import { boot, THROUGH_INDEXES } from '../support/bootPayload.js'
import { watchSends } from '../support/journalItems.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'pages',
      fields: [{ name: 'title', type: 'text' }],
      versions: { drafts: true, maxPerDoc: 3 },
    },
    {
      slug: 'coded',
      fields: [
        { name: 'id', type: 'text' },
        { name: 'title', type: 'text' },
      ],
      versions: { drafts: true },
    },
  ],
  db,
  globals: [
    { slug: 'banner', fields: [{ name: 'text', type: 'text' }], versions: { drafts: true } },
  ],
  secret: 'version-pointers',
  telemetry: false,
})

describe('latest-version pointers', () => {
  let booted: Booted
  let payload: Payload
  let adapter: DynamoDBAdapter

  /** The pointer items of a collection's versions: parent id to the version id it names. */
  async function pointers(collection: string): Promise<Map<string, string>> {
    const out = await adapter.docClient.send(
      new QueryCommand({
        ConsistentRead: true,
        ExpressionAttributeValues: { ':pk': partitionKey('latest', `versions:${collection}`) },
        KeyConditionExpression: 'pk = :pk',
        TableName: adapter.tableName,
      }),
    )
    return new Map((out.Items ?? []).map((item) => [String(item.doc.id), String(item.doc.latest)]))
  }

  async function latestVersions(collection: 'coded' | 'pages', parent: number | string) {
    return (
      await payload.findVersions({
        collection,
        limit: 0,
        pagination: false,
        where: { and: [{ parent: { equals: parent } }, { latest: { equals: true } }] },
      })
    ).docs
  }

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb', THROUGH_INDEXES)
    payload = booted.payload
    adapter = payload.db as unknown as DynamoDBAdapter
  })

  afterAll(async () => booted?.close())

  it('a deleted document takes its pointer with it; a kept one keeps it', async () => {
    const kept = await payload.create({ collection: 'pages', data: { title: 'kept' }, draft: true })
    const gone = await payload.create({ collection: 'pages', data: { title: 'gone' }, draft: true })
    for (const doc of [kept, gone]) {
      await payload.update({
        id: doc.id,
        collection: 'pages',
        data: { title: 'draft' },
        draft: true,
      })
      await payload.update({ id: doc.id, collection: 'pages', data: { _status: 'published' } })
    }
    const before = await pointers('pages')
    expect(before.has(String(gone.id))).toBe(true)
    await payload.delete({ id: gone.id, collection: 'pages' })
    const after = await pointers('pages')
    expect(after.has(String(gone.id))).toBe(false)
    const [latest] = await latestVersions('pages', kept.id)
    expect(after.get(String(kept.id))).toBe(String(latest.id))
  })

  it('old versions pruned past maxPerDoc leave the pointer to the latest one', async () => {
    const doc = await payload.create({ collection: 'pages', data: { title: 'v0' }, draft: true })
    for (let n = 1; n <= 5; n++) {
      await payload.update({
        id: doc.id,
        collection: 'pages',
        data: { title: `v${n}` },
        draft: true,
      })
    }
    const [latest] = await latestVersions('pages', doc.id)
    expect((await pointers('pages')).get(String(doc.id))).toBe(String(latest.id))
    const { totalDocs } = await payload.countVersions({
      collection: 'pages',
      where: { parent: { equals: doc.id } },
    })
    expect(totalDocs).toBe(3)
  })

  it('deleting versions that are not latest reads no pointer; deleting the latest reads it', async () => {
    const doc = await payload.create({ collection: 'pages', data: { title: 'w0' }, draft: true })
    await payload.update({ id: doc.id, collection: 'pages', data: { title: 'w1' }, draft: true })
    const versions = (
      await payload.findVersions({ collection: 'pages', where: { parent: { equals: doc.id } } })
    ).docs
    const [older] = versions.filter((version) => !version.latest)
    const [latest] = versions.filter((version) => version.latest)
    const pointerReads = async (id: number | string) => {
      const reads: string[] = []
      const watch = watchSends(adapter, async (command) => {
        const pointerKey = partitionKey('latest', 'versions:pages')
        if (
          command.constructor.name === 'GetCommand' &&
          JSON.stringify(command.input).includes(pointerKey)
        ) {
          reads.push(command.constructor.name)
        }
      })
      try {
        await payload.db.deleteVersions({ collection: 'pages', where: { id: { equals: id } } })
      } finally {
        watch.restore()
      }
      return reads.length
    }
    expect(await pointerReads(older.id)).toBe(0)
    expect((await pointers('pages')).get(String(doc.id))).toBe(String(latest.id))
    expect(await pointerReads(latest.id)).toBe(1)
    expect((await pointers('pages')).has(String(doc.id))).toBe(false)
  })

  it('a custom id deleted and created again gets one latest version and a pointer to it', async () => {
    await payload.create({ collection: 'coded', data: { id: 'c-1', title: 'first' }, draft: true })
    await payload.delete({ id: 'c-1', collection: 'coded' })
    expect((await pointers('coded')).has('c-1')).toBe(false)
    await payload.create({ collection: 'coded', data: { id: 'c-1', title: 'second' }, draft: true })
    await payload.update({ id: 'c-1', collection: 'coded', data: { title: 'third' }, draft: true })
    const latest = await latestVersions('coded', 'c-1')
    expect(
      latest.map((version) => (version.version as unknown as { title: string }).title),
    ).toEqual(['third'])
    expect((await pointers('coded')).get('c-1')).toBe(String(latest[0].id))
  })

  it('deletes racing saves of the same documents leave no pointer to a version that is gone', async () => {
    const docs = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        payload.create({ collection: 'pages', data: { title: `race ${n}` }, draft: true }),
      ),
    )
    await Promise.allSettled(
      docs.flatMap((doc, n) => [
        payload.delete({ id: doc.id, collection: 'pages' }),
        payload.update({
          id: doc.id,
          collection: 'pages',
          data: { title: `saved ${n}` },
          draft: true,
        }),
        payload.update({
          id: doc.id,
          collection: 'pages',
          data: { title: `again ${n}` },
          draft: true,
        }),
      ]),
    )
    const pointed = await pointers('pages')
    for (const doc of docs) {
      const latest = await latestVersions('pages', doc.id)
      // A save that landed after the delete leaves a version of a deleted document (as on any
      // database: Payload deletes the versions after the document); still one latest at most.
      expect(latest.length).toBeLessThanOrEqual(1)
      expect(pointed.get(String(doc.id))).toBe(latest[0] ? String(latest[0].id) : undefined)
    }
    const report = await adapter.verifyIndexes({ collection: 'pages' })
    expect(report.clean).toBe(true)
  })

  it("a global's versions deleted take their pointer with them", async () => {
    await payload.updateGlobal({ slug: 'banner', data: { text: 'one' }, draft: true })
    const key = partitionKey('latest', 'globalVersions:banner')
    const read = () =>
      adapter.docClient.send(
        new QueryCommand({
          ConsistentRead: true,
          ExpressionAttributeValues: { ':pk': key },
          KeyConditionExpression: 'pk = :pk',
          TableName: adapter.tableName,
        }),
      )
    expect((await read()).Items).toHaveLength(1)
    await payload.db.deleteVersions({ globalSlug: 'banner', where: {} })
    expect((await read()).Items).toHaveLength(0)
  })
})
