/**
 * A unique value held twice by one document, refused as db-sqlite refuses it: an id twice in one
 * `hasMany` relationship (db-sqlite's relationship rows are unique by id and path; before, this
 * adapter stored it), and a global's unique field repeated in two rows of its array or in two
 * blocks of one type (before, a global's rows were never judged). Relationships in rows, which
 * db-sqlite keeps in its relationships table with no unique index there, are not judged within
 * one document; a global's draft is not judged either (its versions hold no unique index).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { outcomeRecorder } from '../support/outcomes.js'
import { bootBoth, closeAll } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    { slug: 'authors', fields: [{ name: 'name', type: 'text' }] },
    { slug: 'cats', fields: [{ name: 'name', type: 'text' }] },
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'many', type: 'relationship', hasMany: true, relationTo: 'authors', unique: true },
        {
          name: 'owners',
          type: 'relationship',
          hasMany: true,
          relationTo: ['authors', 'cats'],
          unique: true,
        },
      ],
    },
  ],
  db,
  globals: [
    {
      slug: 'settings',
      fields: [
        { name: 'rows', type: 'array', fields: [{ name: 'sku', type: 'text', unique: true }] },
        {
          name: 'layout',
          type: 'blocks',
          blocks: [{ slug: 'hero', fields: [{ name: 'bid', type: 'text', unique: true }] }],
        },
      ],
    },
  ],
  logger: { options: { level: 'warn' } },
  secret: 'repeated-uniques',
  telemetry: false,
})

/** The same writes on either adapter: each one's outcome, then what the global holds. */
async function play(payload: Payload): Promise<string[]> {
  const { attempt, out } = outcomeRecorder()
  const author = async (name: string) =>
    (await payload.create({ collection: 'authors', data: { name } })).id
  const a1 = await author('a1')
  const a2 = await author('a2')
  const cat = (await payload.create({ collection: 'cats', data: { name: 'c1' } })).id
  await attempt('an author twice', () =>
    payload.create({ collection: 'posts', data: { many: [a1, a1], title: 'twice' } }),
  )
  const post = await payload.create({ collection: 'posts', data: { many: [a1, a2], title: 'p' } })
  await attempt('updated to an author twice', () =>
    payload.update({ id: post.id, collection: 'posts', data: { many: [a2, a2] } }),
  )
  await attempt('an owner twice', () =>
    payload.create({
      collection: 'posts',
      data: {
        owners: [
          { relationTo: 'authors', value: a1 },
          { relationTo: 'authors', value: a1 },
        ],
      },
    }),
  )
  await attempt('one id in two collections', () =>
    payload.create({
      collection: 'posts',
      data: {
        owners: [
          { relationTo: 'authors', value: a2 },
          { relationTo: 'cats', value: cat },
        ],
        title: 'owned',
      },
    }),
  )
  const settings = (data: Record<string, unknown>) => () =>
    payload.updateGlobal({ slug: 'settings', data })
  await attempt('a sku in two rows', settings({ rows: [{ sku: 's' }, { sku: 's' }] }))
  await attempt('two skus', settings({ rows: [{ sku: 's' }, { sku: 't' }] }))
  await attempt(
    'a bid in two blocks',
    settings({
      layout: [
        { bid: 'x', blockType: 'hero' },
        { bid: 'x', blockType: 'hero' },
      ],
    }),
  )
  await attempt('two bids', settings({ layout: [{ bid: 'x', blockType: 'hero' }] }))
  const global = await payload.findGlobal({ slug: 'settings' })
  out.push(
    `global: ${(global.rows as { sku: string }[]).map((row) => row.sku).join(',')} / ${(
      global.layout as { bid: string }[]
    )
      .map((block) => block.bid)
      .join(',')}`,
  )
  const { docs } = await payload.find({ collection: 'posts', depth: 0, sort: 'title' })
  out.push(`posts: ${docs.map((doc) => doc.title).join(', ')}`)
  return out
}

describe('a unique value held twice by one document', () => {
  let dynamodb: Booted
  let sqlite: Booted
  beforeAll(async () => {
    ;[dynamodb, sqlite] = await bootBoth(config, {}, { transactions: true })
  })
  afterAll(() => closeAll(dynamodb, sqlite))

  it('is refused in one hasMany relationship and in a global’s rows, as on db-sqlite', async () => {
    const expected = await play(sqlite.payload)
    expect(expected).toContain('an author twice: refused')
    expect(expected).toContain('a sku in two rows: refused')
    expect(expected).toContain('an owner twice: refused')
    expect(expected).toContain('a bid in two blocks: refused')
    expect(await play(dynamodb.payload)).toEqual(expected)
  })
})

const rowsConfig = (db: DatabaseAdapterObj): Config => ({
  collections: [
    { slug: 'authors', fields: [{ name: 'name', type: 'text' }] },
    { slug: 'cats', fields: [{ name: 'name', type: 'text' }] },
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text' },
        {
          name: 'items',
          type: 'array',
          fields: [
            {
              name: 'tags',
              type: 'relationship',
              hasMany: true,
              relationTo: 'authors',
              unique: true,
            },
          ],
        },
      ],
    },
  ],
  db,
  globals: [
    {
      slug: 'settings',
      fields: [
        {
          name: 'rows',
          type: 'array',
          fields: [
            {
              name: 'tags',
              type: 'relationship',
              hasMany: true,
              relationTo: 'authors',
              unique: true,
            },
            { name: 'owner', type: 'relationship', relationTo: ['authors', 'cats'], unique: true },
          ],
        },
        {
          name: 'layout',
          type: 'blocks',
          blocks: [
            {
              slug: 'hero',
              fields: [
                {
                  name: 'people',
                  type: 'relationship',
                  hasMany: true,
                  relationTo: 'authors',
                  unique: true,
                },
              ],
            },
          ],
        },
      ],
    },
    {
      slug: 'drafted',
      versions: { drafts: true },
      fields: [
        { name: 'rows', type: 'array', fields: [{ name: 'sku', type: 'text', unique: true }] },
      ],
    },
  ],
  logger: { options: { level: 'warn' } },
  secret: 'repeated-uniques-rows',
  telemetry: false,
})

async function playRows(payload: Payload): Promise<string[]> {
  const { attempt, out } = outcomeRecorder()
  const a1 = (await payload.create({ collection: 'authors', data: { name: 'a1' } })).id
  await attempt('collection: an author twice in one array row’s hasMany', () =>
    payload.create({ collection: 'posts', data: { items: [{ tags: [a1, a1] }], title: 'x' } }),
  )
  await attempt('global: an author twice in one array row’s hasMany', () =>
    payload.updateGlobal({ slug: 'settings', data: { rows: [{ tags: [a1, a1] }] } }),
  )
  await attempt('global: one polymorphic owner in two array rows', () =>
    payload.updateGlobal({
      slug: 'settings',
      data: {
        rows: [
          { owner: { relationTo: 'authors', value: a1 } },
          { owner: { relationTo: 'authors', value: a1 } },
        ],
      },
    }),
  )
  await attempt('global: an author twice in one block’s hasMany', () =>
    payload.updateGlobal({
      slug: 'settings',
      data: { layout: [{ blockType: 'hero', people: [a1, a1] }] },
    }),
  )
  await attempt('drafted global: draft with a sku in two rows', () =>
    payload.updateGlobal({
      slug: 'drafted',
      data: { rows: [{ sku: 's' }, { sku: 's' }] },
      draft: true,
    }),
  )
  await attempt('drafted global: published with a sku in two rows', () =>
    payload.updateGlobal({ slug: 'drafted', data: { rows: [{ sku: 's' }, { sku: 's' }] } }),
  )
  return out
}

describe('unique relationships in rows, and a global’s drafts', () => {
  let dynamodb: Booted
  let sqlite: Booted
  beforeAll(async () => {
    ;[dynamodb, sqlite] = await bootBoth(rowsConfig, {}, { transactions: true })
  }, 120_000)
  afterAll(() => closeAll(dynamodb, sqlite))

  it('refuses what db-sqlite refuses, no more: an id repeated in rows is stored, a draft too', async () => {
    const expected = await playRows(sqlite.payload)
    expect(expected).toContain('global: one polymorphic owner in two array rows: stored')
    expect(expected).toContain('drafted global: published with a sku in two rows: refused')
    expect(await playRows(dynamodb.payload)).toEqual(expected)
  }, 120_000)
})
