/**
 * What the operations of a collection with drafts cost as it grows: the admin panel's document
 * view (`findByID` with `draft: true`, which asks the versions for the document's newest draft),
 * its list with drafts (`queryDrafts`), filtered, a document's version history, and the writes
 * (an autosave, publishing, a draft create, a delete). Each probe runs twice on the adapter with
 * `readCache: false` (index and partition reads, as for a collection too large to hold in
 * memory); the second run is reported: requests, items DynamoDB read, RCU and WCU.
 *
 *   npm run bench:drafts                  # 400 and 1,600 documents
 *   DRAFT_SIZES=1000,4000 npm run bench:drafts
 */
import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload, type Payload } from 'payload'

import type { DynamoDBAdapter } from '../src/index.js'

import { dynamodbAdapter } from '../src/index.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'

const SIZES = (process.env.DRAFT_SIZES ?? '400,1600').split(',').map(Number)
const engine = await startDynamoDBLocal()

async function boot(): Promise<Payload> {
  const config = await buildConfig({
    collections: [
      {
        slug: 'pages',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'category', type: 'select', index: true, options: ['a', 'b', 'c', 'd'] },
        ],
        versions: { drafts: true },
      },
    ],
    db: dynamodbAdapter({
      clientConfig: {
        credentials: LOCAL_CREDENTIALS,
        endpoint: engine.endpoint,
        region: LOCAL_REGION,
      },
      logFallbackQueries: false,
      readCache: false,
      tableName: `draft-lookups-${randomUUID()}`,
    }),
    secret: 'draft-lookups',
    telemetry: false,
    typescript: { autoGenerate: false },
  })
  return getPayload({ config, key: randomUUID() })
}

/** Half the documents are drafts only; every fourth published one has a newer draft. */
async function seed(
  payload: Payload,
  size: number,
): Promise<{ deletable: (number | string)[]; id: number | string; published: number | string }> {
  let probed: number | string = ''
  let publishedID: number | string = ''
  const deletable: (number | string)[] = []
  for (let i = 0; i < size; i++) {
    const published = i % 2 === 1
    const doc = await payload.create({
      collection: 'pages',
      data: {
        _status: published ? 'published' : 'draft',
        category: 'abcd'[i % 4] as 'a',
        title: `p${i}`,
      },
      draft: !published,
    })
    if (i % 4 === 1) {
      await payload.update({
        id: doc.id,
        collection: 'pages',
        data: { title: `p${i} v2` },
        draft: true,
      })
    }
    if (i === 5) {
      probed = doc.id
    }
    if (i === 7) {
      publishedID = doc.id
    }
    if (i === 8 || i === 9) {
      deletable.push(doc.id)
    }
  }
  return { deletable, id: probed, published: publishedID }
}

const rows = new Map<string, string[]>()
for (const size of SIZES) {
  const payload = await boot()
  const adapter = payload.db as unknown as DynamoDBAdapter
  const { deletable, id, published } = await seed(payload, size)
  let saves = 0
  const probes: [string, () => Promise<unknown>][] = [
    [
      'findByID, draft: true (the document view)',
      () => payload.findByID({ id, collection: 'pages', draft: true }),
    ],
    [
      'find, draft: true, page 1 of 10 (the list)',
      () => payload.find({ collection: 'pages', draft: true, limit: 10 }),
    ],
    [
      'the same, `category equals a`',
      () =>
        payload.find({
          collection: 'pages',
          draft: true,
          limit: 10,
          where: { category: { equals: 'a' } },
        }),
    ],
    [
      'the same, `_status equals draft`',
      () =>
        payload.find({
          collection: 'pages',
          draft: true,
          limit: 10,
          where: { _status: { equals: 'draft' } },
        }),
    ],
    [
      'findVersions of one document, newest first',
      () =>
        payload.findVersions({
          collection: 'pages',
          limit: 10,
          sort: '-updatedAt',
          where: { parent: { equals: id } },
        }),
    ],
    ['find (published), page 1 of 10', () => payload.find({ collection: 'pages', limit: 10 })],
    [
      'update, draft: true (an autosave of a published document)',
      () =>
        payload.update({
          id: published,
          collection: 'pages',
          data: { title: `autosave ${saves++}` },
          draft: true,
        }),
    ],
    [
      'update, publishing it',
      () =>
        payload.update({
          id: published,
          collection: 'pages',
          data: { _status: 'published', title: `published ${saves++}` },
        }),
    ],
    [
      'create, draft: true',
      () =>
        payload.create({
          collection: 'pages',
          data: { category: 'b', title: `new ${saves++}` },
          draft: true,
        }),
    ],
    [
      'delete by id (and its versions)',
      () => payload.delete({ id: deletable.pop() as number | string, collection: 'pages' }),
    ],
  ]
  for (const [name, run] of probes) {
    await run()
    adapter.stats.reset()
    await run()
    const { itemsRead, readCapacityUnits, requests, writeCapacityUnits } = adapter.stats
    const row = `| ${name} | ${size.toLocaleString('en')} | ${requests} | ${itemsRead} | ${readCapacityUnits.toFixed(1)} | ${writeCapacityUnits.toFixed(1)} |`
    rows.set(name, [...(rows.get(name) ?? []), row])
  }
  await payload.destroy()
}
await engine.stop()
console.log('| probe | documents | requests | items read | RCU | WCU |')
console.log('|---|---:|---:|---:|---:|---:|')
console.log([...rows.values()].flat().join('\n'))
process.exit(0)
