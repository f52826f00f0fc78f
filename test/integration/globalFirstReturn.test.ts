/**
 * The first save of a global (Payload's `updateGlobal` finds none and calls `createGlobal`)
 * returns the global as db-sqlite does: its lists that were never written are `[]` (hasMany
 * select, text, number and relationship fields, arrays), as every later save and read returns
 * them. Before, that first answer left them out.
 */
import type { Config, DatabaseAdapterObj } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { bootBoth, closeAll } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [{ slug: 'pages', fields: [{ name: 'title', type: 'text' }] }],
  db,
  globals: [
    {
      slug: 'settings',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'tags', type: 'select', hasMany: true, options: ['a', 'b'] },
        { name: 'words', type: 'text', hasMany: true },
        { name: 'numbers', type: 'number', hasMany: true },
        { name: 'pages', type: 'relationship', hasMany: true, relationTo: 'pages' },
        { name: 'links', type: 'array', fields: [{ name: 'label', type: 'text' }] },
      ],
    },
  ],
  secret: 'global-first-return',
  telemetry: false,
  typescript: { autoGenerate: false },
})

/** The global's answer without its timestamps and id. */
const shape = ({ createdAt, id, updatedAt, ...rest }: Record<string, unknown>) => {
  expect([typeof createdAt, typeof updatedAt, id === undefined || id !== null]).toEqual([
    'string',
    'string',
    true,
  ])
  return rest
}

describe("a global's first save", () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config)
  }, 120_000)

  afterAll(async () => {
    await closeAll(dynamo, sqlite)
  })

  it('returns the lists never written as [], as db-sqlite and every later read do', async () => {
    const save = (booted: Booted) =>
      booted.payload.updateGlobal({ slug: 'settings', data: { title: 'first' }, depth: 0 })
    const expected = shape(await save(sqlite))
    expect(expected.tags).toEqual([])
    expect(shape(await save(dynamo))).toEqual(expected)
    const read = await dynamo.payload.findGlobal({ slug: 'settings', depth: 0 })
    expect(shape(read)).toEqual(expected)
  })
})
