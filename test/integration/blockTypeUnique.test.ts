/**
 * A unique field of a block type that several blocks fields of a collection use (a config-level
 * block referenced by slug from a top-level blocks field, a second one, and one inside an array):
 * db-sqlite keeps the block type's rows in one table (`posts_blocks_hero`), so its unique
 * constraint spans every blocks field. Before, this adapter kept one unique index per blocks
 * field, and the same value was taken again in the other field (by another document, or by the
 * same document in two fields).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { outcomeRecorder } from '../support/outcomes.js'
import { bootBoth, bootOnTable, closeAll } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => configUsing(['layout', 'sidebar'])(db)

/** `hero` in the named top-level blocks fields, and always in the array's. */
const configUsing =
  (fields: string[]) =>
  (db: DatabaseAdapterObj): Config => ({
    blocks: [{ slug: 'hero', fields: [{ name: 'bid', type: 'text', unique: true }] }],
    collections: [
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          ...fields.map((name) => ({
            name,
            type: 'blocks' as const,
            blockReferences: ['hero'],
            blocks: [],
          })),
          {
            name: 'sections',
            type: 'array',
            fields: [{ name: 'content', type: 'blocks', blockReferences: ['hero'], blocks: [] }],
          },
        ],
      },
    ],
    db,
    logger: { options: { level: 'warn' } },
    secret: 'block-type-unique',
    telemetry: false,
  })

const hero = (bid: string) => [{ bid, blockType: 'hero' }]

/** The same writes on either adapter: each one's outcome, then the titles stored. */
async function play(payload: Payload): Promise<string[]> {
  const { attempt, out } = outcomeRecorder()
  const create = (title: string, data: Record<string, unknown>) => () =>
    payload.create({ collection: 'posts', data: { title, ...data } })
  const first = await payload.create({
    collection: 'posts',
    data: { layout: hero('b1'), title: 'first' },
  })
  await attempt('b1 in the other blocks field', create('sidebar b1', { sidebar: hero('b1') }))
  await attempt(
    'b1 in blocks inside an array',
    create('sections b1', { sections: [{ content: hero('b1') }] }),
  )
  await attempt(
    'one document, zz in two blocks fields',
    create('both zz', { layout: hero('zz'), sidebar: hero('zz') }),
  )
  await attempt('b2 in the other blocks field', create('sidebar b2', { sidebar: hero('b2') }))
  // The first document moves its value to its other blocks field: still its own.
  await attempt('b1 moved to the sidebar', () =>
    payload.update({
      id: first.id,
      collection: 'posts',
      data: { layout: [], sidebar: hero('b1') },
    }),
  )
  await attempt('b1 in the layout again', create('layout b1', { layout: hero('b1') }))
  await attempt('b1 given up', () =>
    payload.update({ id: first.id, collection: 'posts', data: { sidebar: hero('b3') } }),
  )
  await attempt(
    'b1 taken in an array',
    create('sections b1 later', { sections: [{ content: hero('b1') }] }),
  )
  const { docs } = await payload.find({ collection: 'posts', depth: 0, sort: 'title' })
  out.push(`stored: ${docs.map((doc) => doc.title).join(', ')}`)
  return out
}

describe('a unique field of a block type used by several blocks fields', () => {
  let dynamodb: Booted
  let sqlite: Booted
  beforeAll(async () => {
    ;[dynamodb, sqlite] = await bootBoth(config)
  })
  afterAll(() => closeAll(dynamodb, sqlite))

  it('refuses a value any row of that block type holds, as db-sqlite does', async () => {
    // db-sqlite (transactions off, as by default) keeps the document of a refused create: its
    // row was inserted before its block's row failed. Only the outcomes are compared.
    const expected = (await play(sqlite.payload)).slice(0, -1)
    expect(expected).toContain('b1 in the other blocks field: refused')
    const actual = await play(dynamodb.payload)
    expect(actual.slice(0, -1)).toEqual(expected)
    expect(actual.at(-1)).toBe('stored: first, sections b1 later, sidebar b2')
    const db = dynamodb.payload.db as unknown as DynamoDBAdapter
    expect((await db.verifyIndexes({ collection: 'posts' })).clean).toBe(true)
  })

  it('names the blocks field whose value was refused', async () => {
    await dynamodb.payload.create({ collection: 'posts', data: { layout: hero('named') } })
    const refused = await dynamodb.payload
      .create({ collection: 'posts', data: { sidebar: hero('named') } })
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as ValidationError).data.errors.map(({ path }) => path)).toEqual([
      'sidebar.bid',
    ])
  })
})

describe('a block type with a unique field taken into a second blocks field', () => {
  it('its unique index is built again over both: values the new field repeats are refused', async () => {
    const table = `block-type-unique-${randomUUID()}`
    const before = await bootOnTable(configUsing(['layout']), table, { readCache: false })
    await before.create({ collection: 'posts', data: { layout: hero('b1'), title: 'first' } })
    await before.create({
      collection: 'posts',
      data: { sections: [{ content: hero('b2') }], title: 'second' },
    })
    await before.destroy()
    const after = await bootOnTable(configUsing(['layout', 'sidebar']), table, {
      readCache: false,
    })
    try {
      const db = after.db as unknown as DynamoDBAdapter
      expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
      for (const data of [
        { sidebar: hero('b1') },
        { sidebar: hero('b2') },
        { layout: hero('b2') },
      ]) {
        await expect(after.create({ collection: 'posts', data })).rejects.toBeInstanceOf(
          ValidationError,
        )
      }
      await after.create({ collection: 'posts', data: { sidebar: hero('b3'), title: 'third' } })
      expect((await after.count({ collection: 'posts' })).totalDocs).toBe(3)
      expect((await db.verifyIndexes({ collection: 'posts' })).clean).toBe(true)
    } finally {
      await after.destroy()
    }
  })
})
