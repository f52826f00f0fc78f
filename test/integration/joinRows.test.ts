/**
 * A join whose `on` field is in array rows or has many values: the join's `where` (from the
 * config or the request) holds on the row that points at the parent, as db-sqlite joins `on`
 * and the `where` on one row. Before, a document was listed under a parent when any row pointed
 * at it and any row (perhaps another) met the `where`. Also a join on a relationship inside
 * blocks (`on: 'content.quote.ref'`, the block type in the path, as Payload requires it): it
 * listed nothing; db-sqlite fails on that join, so it is compared with this adapter's own `find`.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { againstSqlite, namedDocuments } from '../support/againstSqlite.js'
import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'cats',
      fields: [
        { name: 'name', type: 'text' },
        { name: 'linked', type: 'join', collection: 'items', on: 'links.cat' },
        {
          name: 'redLinked',
          type: 'join',
          collection: 'items',
          on: 'links.cat',
          where: { 'links.label': { equals: 'red' } },
        },
        { name: 'tagged', type: 'join', collection: 'items', on: 'tags' },
      ],
    },
    {
      slug: 'items',
      // Not what a join without a sort follows: newest first, as db-sqlite lists it.
      defaultSort: 'rank',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'rank', type: 'number' },
        {
          name: 'links',
          type: 'array',
          fields: [
            { name: 'cat', type: 'relationship', relationTo: 'cats' },
            { name: 'label', type: 'text' },
            { name: 'w', type: 'number' },
          ],
        },
        { name: 'tags', type: 'relationship', hasMany: true, relationTo: 'cats' },
      ],
    },
  ],
  db,
  secret: 'join-rows',
  telemetry: false,
  typescript: { autoGenerate: false },
})

/** The cats' ids by name, per booted Payload. */
async function seed(payload: Payload): Promise<Record<string, number | string>> {
  const cats = await namedDocuments(payload, 'cats', ['A', 'B', 'C'])
  const { A, B, C } = cats
  const items: [string, { cat: unknown; label: string; w: number }[], unknown[]][] = [
    ['i1', [{ cat: A, label: 'red', w: 1 }], [A]],
    [
      'i2',
      [
        { cat: B, label: 'red', w: 5 },
        { cat: A, label: 'green', w: 2 },
      ],
      [A, B],
    ],
    ['i3', [{ cat: A, label: 'red', w: 9 }], [B]],
    ['i4', [{ cat: C, label: 'blue', w: 7 }], [A, C]],
  ]
  for (const [title, links, tags] of items) {
    const rank = { i1: 3, i2: 1, i3: 4, i4: 2 }[title]
    await payload.create({ collection: 'items', data: { links, rank, tags, title } as never })
  }
  return cats
}

/** `sort: false`: the join's default order. */
type JoinQuery = { name: string; sort?: false; where?: Where }
const JOINS: JoinQuery[] = [
  { name: 'linked' },
  { name: 'redLinked' },
  { name: 'linked', where: { 'links.w': { greater_than: 4 } } },
  { name: 'linked', where: { 'links.label': { equals: 'green' } } },
  { name: 'tagged' },
  { name: 'tagged', where: { tags: { not_equals: 'placeholder' } } },
  { name: 'tagged', where: { 'tags.name': { equals: 'C' } } },
  { name: 'linked', sort: false },
  { name: 'tagged', sort: false },
]

/** Each cat's join, as titles and total, `where` values naming cat A by name resolved per adapter. */
async function answers(booted: Booted, cats: Record<string, number | string>, join: JoinQuery) {
  const where =
    join.where &&
    JSON.parse(JSON.stringify(join.where).replace('"placeholder"', JSON.stringify(cats.A)))
  const out: Record<string, unknown> = {}
  for (const name of ['A', 'B', 'C']) {
    const cat = await booted.payload.findByID({
      collection: 'cats',
      depth: 0,
      id: cats[name] as number | string,
      joins: {
        [join.name]: {
          count: true,
          ...(join.sort === false ? {} : { sort: 'title' }),
          ...(where ? { where } : {}),
        },
      },
    })
    const joined = cat[join.name] as { docs: (number | string)[]; totalDocs?: number }
    const titles = await Promise.all(
      joined.docs.map(async (id) =>
        String((await booted.payload.findByID({ collection: 'items', depth: 0, id })).title),
      ),
    )
    out[name] = { titles, totalDocs: joined.totalDocs }
  }
  return out
}

againstSqlite('joins on array rows and hasMany values', config, seed, (dynamo, sqlite) => {
  it.each(JOINS.map((join) => [JSON.stringify(join), join] as const))(
    '%s lists what db-sqlite lists',
    async (_label, join) => {
      const { booted, seeded } = dynamo()
      const reference = sqlite()
      expect(await answers(booted, seeded, join)).toEqual(
        await answers(reference.booted, reference.seeded, join),
      )
    },
  )
  it.each(JOINS.map((join) => [JSON.stringify(join), join] as const))(
    '%s on a page of every parent lists what db-sqlite lists',
    async (_label, join) => {
      const page = async ({ booted, seeded }: ReturnType<typeof dynamo>) => {
        const where =
          join.where &&
          (JSON.parse(
            JSON.stringify(join.where).replace('"placeholder"', JSON.stringify(seeded.A)),
          ) as Where)
        const names = new Map<string, string>()
        for (const item of (await booted.payload.find({ collection: 'items', limit: 0 })).docs) {
          names.set(String(item.id), String(item.title))
        }
        const cats = await booted.payload.find({
          collection: 'cats',
          depth: 0,
          joins: {
            [join.name]: {
              count: true,
              ...(join.sort === false ? {} : { sort: 'title' }),
              ...(where ? { where } : {}),
            },
          },
          sort: 'name',
        })
        return cats.docs.map((cat) => {
          const joined = cat[join.name] as { docs: (number | string)[]; totalDocs?: number }
          return [cat.name, joined.docs.map((id) => names.get(String(id))), joined.totalDocs]
        })
      }
      expect(await page(dynamo())).toEqual(await page(sqlite()))
    },
  )
})

const blocksConfig = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'cats',
      fields: [
        { name: 'name', type: 'text' },
        { name: 'quoted', type: 'join', collection: 'items', on: 'content.quote.ref' },
      ],
    },
    {
      slug: 'items',
      fields: [
        { name: 'title', type: 'text' },
        {
          name: 'content',
          type: 'blocks',
          blocks: [
            {
              slug: 'quote',
              fields: [{ name: 'ref', type: 'relationship', relationTo: 'cats' }],
            },
            { slug: 'note', fields: [{ name: 'text', type: 'text' }] },
          ],
        },
      ],
    },
  ],
  db,
  secret: 'join-rows-blocks',
  telemetry: false,
  typescript: { autoGenerate: false },
})

describe.each([
  ['held in memory', {}],
  ['through the indexes', THROUGH_INDEXES],
])('a join on a relationship inside blocks, %s', (_name, options) => {
  let dynamo: Booted

  beforeAll(async () => {
    dynamo = await boot(blocksConfig, 'dynamodb', options)
  }, 120_000)

  afterAll(async () => {
    await closeAll(dynamo)
  })

  it("lists the documents whose block of that type points at the parent, as the adapter's find does", async () => {
    const { payload } = dynamo
    const [a, b] = [
      await payload.create({ collection: 'cats', data: { name: 'A' } }),
      await payload.create({ collection: 'cats', data: { name: 'B' } }),
    ]
    for (const [title, refs] of [
      ['i1', [a.id]],
      ['i2', [b.id, a.id]],
      ['i3', [b.id]],
      ['i4', []],
    ] as const) {
      await payload.create({
        collection: 'items',
        data: {
          content: [
            { blockType: 'note', text: 'n' },
            ...refs.map((ref) => ({ blockType: 'quote', ref })),
          ],
          title,
        } as never,
      })
    }
    for (const cat of [a, b]) {
      const joined = (
        await payload.findByID({
          collection: 'cats',
          depth: 1,
          id: cat.id,
          joins: { quoted: { count: true, sort: 'title' } },
        })
      ).quoted as { docs: { title: string }[]; totalDocs: number }
      const found = await payload.find({
        collection: 'items',
        sort: 'title',
        where: { 'content.ref': { equals: cat.id } },
      })
      expect(found.totalDocs).toBeGreaterThan(0)
      expect({ titles: joined.docs.map((doc) => doc.title), totalDocs: joined.totalDocs }).toEqual({
        titles: found.docs.map((doc) => doc.title),
        totalDocs: found.totalDocs,
      })
    }
  })
})
