/**
 * The unique index of a block type's field used by several blocks fields (blockTypeUnique.test.ts)
 * across nested blocks, groups and localized blocks fields: one index per block type, field and
 * localization; refusals and misfits named on the blocks field that holds the value (before, the
 * first field's path for localized fields and misfits); a row removed frees its value;
 * `repairIndexes` puts back a marker of a value in any of the paths.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { DeleteCommand } from '@aws-sdk/lib-dynamodb'
import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { uniqueMarkers } from '../../src/indexes/entries.js'
import { indexesOf, localeCodes } from '../../src/indexes/registry.js'
import { collectionNamespace } from '../../src/namespaces.js'
import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  blocks: [
    {
      slug: 'hero',
      fields: [
        { name: 'bid', type: 'text', unique: true },
        { name: 'num', type: 'number', unique: true },
      ],
    },
    {
      slug: 'wrapper',
      fields: [{ name: 'inner', type: 'blocks', blockReferences: ['hero'], blocks: [] }],
    },
  ],
  collections: [
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'layout', type: 'blocks', blockReferences: ['hero', 'wrapper'], blocks: [] },
        { name: 'sidebar', type: 'blocks', blockReferences: ['hero'], blocks: [] },
        {
          name: 'meta',
          type: 'group',
          fields: [{ name: 'more', type: 'blocks', blockReferences: ['hero'], blocks: [] }],
        },
      ],
    },
    {
      // A localized blocks field and an unlocalized one of the type keep apart indexes.
      slug: 'mixed',
      fields: [
        { name: 'plain', type: 'blocks', blockReferences: ['hero'], blocks: [] },
        { name: 'loc1', type: 'blocks', localized: true, blockReferences: ['hero'], blocks: [] },
        { name: 'loc2', type: 'blocks', localized: true, blockReferences: ['hero'], blocks: [] },
      ],
    },
    {
      slug: 'locposts',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'layout', type: 'blocks', localized: true, blockReferences: ['hero'], blocks: [] },
        { name: 'sidebar', type: 'blocks', localized: true, blockReferences: ['hero'], blocks: [] },
      ],
    },
  ],
  db,
  localization: { defaultLocale: 'en', locales: ['en', 'de'] },
  logger: { options: { level: 'warn' } },
  secret: 'block-type-unique-paths',
  telemetry: false,
})

const hero = (bid: string) => [{ bid, blockType: 'hero' }]

async function refusedPaths(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work()
  } catch (error) {
    if (error instanceof ValidationError) {
      return error.data.errors.map(({ path }) => path)
    }
    return String(error)
  }
  return 'stored'
}

describe('the unique index of a block type used by several blocks fields', () => {
  let booted: Booted
  let payload: Payload
  let db: DynamoDBAdapter
  beforeAll(async () => {
    booted = await boot(config, 'dynamodb', THROUGH_INDEXES)
    payload = booted.payload
    db = payload.db as unknown as DynamoDBAdapter
  })
  afterAll(() => closeAll(booted))

  it('one index per block type, field and localization', () => {
    const unique = (slug: string) =>
      indexesOf(db, collectionNamespace(db, slug))
        .filter((definition) => definition.unique)
        .map(({ name, parts }) => [name, ...(parts[0].alsoAt ?? []).map(({ path }) => path)])
    expect(unique('posts')).toEqual([
      [
        'layout{hero}.bid',
        'layout{wrapper}.inner{hero}.bid',
        'sidebar{hero}.bid',
        'meta.more{hero}.bid',
      ],
      [
        'layout{hero}.num',
        'layout{wrapper}.inner{hero}.num',
        'sidebar{hero}.num',
        'meta.more{hero}.num',
      ],
    ])
    expect(unique('mixed')).toEqual([
      ['plain{hero}.bid'],
      ['plain{hero}.num'],
      ['loc1{hero}.bid', 'loc2{hero}.bid'],
      ['loc1{hero}.num', 'loc2{hero}.num'],
    ])
  })

  it('nested blocks and group blocks share the index; marker released on row removal', async () => {
    const first = await payload.create({
      collection: 'posts',
      data: { layout: hero('n1'), title: 'a' },
    })
    expect(
      await refusedPaths(() =>
        payload.create({
          collection: 'posts',
          data: { layout: [{ blockType: 'wrapper', inner: hero('n1') }], title: 'b' },
        }),
      ),
    ).toEqual(['layout.inner.bid'])
    expect(
      await refusedPaths(() =>
        payload.create({ collection: 'posts', data: { meta: { more: hero('n1') }, title: 'c' } }),
      ),
    ).toEqual(['meta.more.bid'])
    // The row removed: the value is free again.
    await payload.update({ collection: 'posts', id: first.id, data: { layout: [] } })
    expect(
      await refusedPaths(() =>
        payload.create({ collection: 'posts', data: { meta: { more: hero('n1') }, title: 'd' } }),
      ),
    ).toBe('stored')
    expect((await db.verifyIndexes({ collection: 'posts' })).clean).toBe(true)
  })

  it('localized blocks fields: the refusal names the blocks field whose value was refused', async () => {
    await payload.create({
      collection: 'locposts',
      data: { layout: hero('x'), title: 'a' },
      locale: 'en',
    })
    const paths = await refusedPaths(() =>
      payload.create({
        collection: 'locposts',
        data: { sidebar: hero('x'), title: 'b' },
        locale: 'en',
      }),
    )
    // Another locale: free (uniqueness per locale, as for any localized unique field here).
    const other = await refusedPaths(() =>
      payload.create({
        collection: 'locposts',
        data: { sidebar: hero('x'), title: 'c' },
        locale: 'de',
      }),
    )
    expect({ other, paths }).toEqual({ other: 'stored', paths: ['sidebar.bid'] })
  })

  it('a misfit value in the second blocks field is named on that field', async () => {
    const paths = await refusedPaths(() =>
      payload.db.create({
        collection: 'posts',
        data: { sidebar: [{ blockType: 'hero', num: 'abc' }], title: 'misfit' },
        req: {},
      }),
    )
    expect(paths).toEqual(['sidebar.num'])
  })

  it('repairIndexes puts back the marker of a value in the second blocks field', async () => {
    const doc = await payload.create({
      collection: 'posts',
      data: { sidebar: hero('rep1'), title: 'rep' },
    })
    const ns = collectionNamespace(db, 'posts')
    const stored = await payload.db.findOne<{ id: number | string } & Record<string, unknown>>({
      collection: 'posts',
      where: { id: { equals: doc.id } },
    })
    const markers = uniqueMarkers(ns, indexesOf(db, ns), localeCodes(db), stored!)
    expect(markers.length).toBeGreaterThan(0)
    for (const marker of markers) {
      await db.docClient.send(
        new DeleteCommand({ Key: { pk: marker.pk, sk: marker.sk }, TableName: db.tableName }),
      )
    }
    expect((await db.verifyIndexes({ collection: 'posts' })).clean).toBe(false)
    await db.repairIndexes({ collection: 'posts' })
    expect((await db.verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    expect(
      await refusedPaths(() =>
        payload.create({ collection: 'posts', data: { layout: hero('rep1') } }),
      ),
    ).toEqual(['layout.bid'])
  })
  it('two localized blocks fields share theirs beside an unlocalized one', async () => {
    await payload.create({ collection: 'mixed', data: { loc1: hero('m') }, locale: 'en' })
    expect(
      await refusedPaths(() =>
        payload.create({ collection: 'mixed', data: { loc2: hero('m') }, locale: 'en' }),
      ),
    ).toEqual(['loc2.bid'])
    expect(
      await refusedPaths(() =>
        payload.create({ collection: 'mixed', data: { plain: hero('m') }, locale: 'en' }),
      ),
    ).toBe('stored')
    expect((await db.verifyIndexes({ collection: 'mixed' })).clean).toBe(true)
  })
})
