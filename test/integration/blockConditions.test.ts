/**
 * Conditions on a blocks field's rows, as db-sqlite (and db-mongodb) answer them. A condition on
 * `blocks.blockType equals <slug>` binds to that block type's rows, as the SQL adapters join the
 * block's own table: a document with a figure and a quote matches `blockType equals figure` and
 * `blockType equals quote` together (before, both bound to one row and nothing matched). Fields
 * of one array row still bind together.
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import { type Booted, boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

const makeConfig = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'items',
      fields: [
        { name: 'seq', type: 'number' },
        {
          name: 'rows',
          type: 'array',
          fields: [
            { name: 'kind', type: 'text' },
            { name: 'n', type: 'number' },
          ],
        },
        {
          name: 'blocks',
          type: 'blocks',
          blocks: [
            { slug: 'quote', fields: [{ name: 'kind', type: 'text' }] },
            { slug: 'figure', fields: [{ name: 'size', type: 'number' }] },
          ],
        },
      ],
    },
  ],
  db,
  secret: 'block-conditions',
  telemetry: false,
})

const ITEMS = [
  {
    blocks: [],
    rows: [
      { kind: 'a', n: 1 },
      { kind: 'b', n: 2 },
    ],
    seq: 0,
  },
  { blocks: [{ blockType: 'quote', kind: 'k' }], rows: [{ kind: 'a', n: 2 }], seq: 1 },
  { blocks: [{ blockType: 'figure', size: 1 }], seq: 2 },
  {
    blocks: [
      { blockType: 'figure', size: 1 },
      { blockType: 'quote', kind: 'k' },
    ],
    seq: 3,
  },
  {
    blocks: [
      { blockType: 'quote', kind: 'j' },
      { blockType: 'figure', size: 2 },
    ],
    seq: 4,
  },
]

const WHERES: Where[] = [
  {
    and: [
      { 'blocks.blockType': { equals: 'figure' } },
      { 'blocks.blockType': { equals: 'quote' } },
    ],
  },
  { 'blocks.blockType': { equals: 'quote' }, 'blocks.kind': { equals: 'k' } },
  { and: [{ 'blocks.blockType': { equals: 'figure' } }, { 'blocks.size': { equals: 2 } }] },
  { and: [{ 'blocks.kind': { equals: 'k' } }, { 'blocks.size': { equals: 1 } }] },
  { and: [{ 'rows.kind': { equals: 'a' } }, { 'rows.kind': { equals: 'b' } }] },
  { and: [{ 'rows.kind': { equals: 'a' } }, { 'rows.n': { equals: 2 } }] },
  { or: [{ 'blocks.blockType': { equals: 'figure' } }, { 'rows.n': { equals: 2 } }] },
]

let sqlite: Booted | undefined
let memory: Booted | undefined
let indexes: Booted | undefined

beforeAll(async () => {
  ;[sqlite, memory, indexes] = await Promise.all([
    boot(makeConfig, 'sqlite'),
    boot(makeConfig, 'dynamodb'),
    boot(makeConfig, 'dynamodb', THROUGH_INDEXES),
  ])
  for (const { payload } of [sqlite, memory, indexes]) {
    for (const data of ITEMS) {
      await payload.create({ collection: 'items', data: data as never })
    }
  }
})

afterAll(() => closeAll(sqlite, memory, indexes))

test.each(WHERES.map((where) => [JSON.stringify(where), where]))(
  '%s answers as db-sqlite does',
  async (_, where) => {
    const answers = await Promise.all(
      [sqlite, memory, indexes].map(async (booted) => {
        const { payload } = booted as Booted
        const found = await payload.find({ collection: 'items', sort: 'seq', where })
        const { totalDocs } = await payload.count({ collection: 'items', where })
        return { count: totalDocs, seqs: found.docs.map((doc) => doc.seq) }
      }),
    )
    // Two values of one array row's field never match together; every other case matches some.
    const oneRowTwice = JSON.stringify(where).includes('"rows.kind":{"equals":"b"}')
    expect(answers[0].seqs.length > 0).toBe(!oneRowTwice)
    expect(answers[1]).toEqual(answers[0])
    expect(answers[2]).toEqual(answers[0])
  },
)
