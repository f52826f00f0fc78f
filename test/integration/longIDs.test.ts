/**
 * Custom text ids of about 1 KB (as long as a document key takes verbatim, and longer): related
 * through indexed relationships and as the parent of draft versions. An index entry's key holds
 * at most 1024 bytes, so such related ids are keyed by a digest; answers are db-sqlite's.
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, bootBoth, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'tags',
        fields: [
          { name: 'id', type: 'text' },
          { name: 'label', type: 'text' },
        ],
      },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'tag', type: 'relationship', relationTo: 'tags' },
          { name: 'any', type: 'relationship', relationTo: ['tags'] },
          { name: 'pair', type: 'relationship', relationTo: 'tags' },
        ],
        indexes: [{ fields: ['tag', 'pair'] }],
      },
      {
        slug: 'pages',
        fields: [
          { name: 'id', type: 'text' },
          { name: 'title', type: 'text' },
        ],
        versions: { drafts: true },
      },
    ],
    db,
    secret: 'long-ids-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

const LONG = 'x'.repeat(1020)
const SHORT = 'short-tag'

describe('ids too long for an index key verbatim', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, THROUGH_INDEXES)
  })

  afterAll(() => closeAll(dynamo, sqlite))

  it('relate to a document with a 1,020-byte id, found and counted through the index', async () => {
    const answers = async ({ payload }: Booted) => {
      for (const id of [LONG, SHORT]) {
        await payload.create({ collection: 'tags', data: { id, label: id.slice(0, 5) } })
      }
      for (const [title, tag] of [
        ['a', LONG],
        ['b', SHORT],
        ['c', LONG],
      ]) {
        await payload.create({
          collection: 'posts',
          data: { any: { relationTo: 'tags', value: tag }, tag, title },
        })
      }
      const asked: Where[] = [
        { tag: { equals: LONG } },
        { tag: { in: [LONG, 'nothing'] } },
        { any: { equals: { relationTo: 'tags', value: LONG } } },
        { tag: { not_equals: LONG } },
      ]
      return Promise.all(
        asked.map(async (where) => {
          const { docs, totalDocs } = await payload.find({
            collection: 'posts',
            depth: 0,
            sort: 'title',
            where,
          })
          const { totalDocs: counted } = await payload.count({ collection: 'posts', where })
          return { counted, titles: docs.map((doc) => doc.title), totalDocs }
        }),
      )
    }
    const [ours, theirs] = [await answers(dynamo), await answers(sqlite)]
    expect(ours).toEqual(theirs)
    expect(ours[0]).toEqual({ counted: 2, titles: ['a', 'c'], totalDocs: 2 })
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const explained = await adapter.explain({
      collection: 'posts',
      where: { tag: { equals: LONG } },
    })
    expect(explained.plan).toMatchObject({ kind: 'index' })
    expect((await adapter.verifyIndexes({ collection: 'posts' })).clean).toBe(true)
  })

  it('keep draft versions of a document with a 1,020-byte id', async () => {
    const id = 'p'.repeat(1020)
    const saved = async ({ payload }: Booted) => {
      await payload.create({ collection: 'pages', data: { id, title: 'one' } })
      await payload.update({ id, collection: 'pages', data: { title: 'two' }, draft: true })
      const { totalDocs } = await payload.findVersions({
        collection: 'pages',
        where: { parent: { equals: id } },
      })
      const draft = await payload.findByID({ id, collection: 'pages', draft: true })
      return { draft: draft.title, versions: totalDocs }
    }
    expect(await saved(dynamo)).toEqual(await saved(sqlite))
  })

  it('refuses values a compound index cannot key with a ValidationError, writing nothing', async () => {
    const other = 'y'.repeat(600)
    await dynamo.payload.create({ collection: 'tags', data: { id: other } })
    const medium = 'z'.repeat(600)
    await dynamo.payload.create({ collection: 'tags', data: { id: medium } })
    await expect(
      dynamo.payload.create({
        collection: 'posts',
        data: { pair: other, tag: medium, title: 'd' },
      }),
    ).rejects.toBeInstanceOf(ValidationError)
    const { totalDocs } = await dynamo.payload.count({
      collection: 'posts',
      where: { title: { equals: 'd' } },
    })
    expect(totalDocs).toBe(0)
  })
})
