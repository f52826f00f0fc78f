/**
 * Polymorphic joins (`collection: [...]`) answered as db-sqlite answers them:
 * - they read the collections' documents, never their drafts, even with `draft: true` (db-sqlite
 *   and db-mongodb read drafts for a join of one collection only);
 * - a condition on a group's field that one collection's group lacks is a missing value there,
 *   not an error;
 * - on a field one collection lacks, `not_in` matches none of its documents and `in` with `null`
 *   matches all of them (SQL's NULL).
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { bootBoth, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'categories',
        fields: [
          { name: 'name', type: 'text' },
          { name: 'everything', type: 'join', collection: ['posts', 'notes'], on: 'category' },
          { name: 'mixed', type: 'join', collection: ['articles', 'notes'], on: 'category' },
        ],
      },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'body', type: 'text' },
          { name: 'category', type: 'relationship', relationTo: 'categories' },
          {
            name: 'meta',
            type: 'group',
            fields: [{ name: 'category', type: 'relationship', relationTo: 'categories' }],
          },
        ],
      },
      {
        slug: 'notes',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'category', type: 'relationship', relationTo: 'categories' },
          { name: 'meta', type: 'group', fields: [{ name: 'title', type: 'text' }] },
        ],
      },
      {
        slug: 'articles',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'category', type: 'relationship', relationTo: 'categories' },
        ],
        versions: { drafts: true },
      },
    ],
    db,
    secret: 'polymorphic-joins',
    telemetry: false,
  }
}

type Seeded = { alpha: number | string; beta: number | string }

async function seed(payload: Payload): Promise<Seeded> {
  const alpha = (await payload.create({ collection: 'categories', data: { name: 'Alpha' } })).id
  const beta = (await payload.create({ collection: 'categories', data: { name: 'Beta' } })).id
  await payload.create({
    collection: 'posts',
    data: { body: 'b', category: alpha, meta: { category: beta }, title: 'p1' },
  })
  await payload.create({ collection: 'posts', data: { body: 'c', category: alpha, title: 'p2' } })
  await payload.create({
    collection: 'notes',
    data: { category: alpha, meta: { title: 'x' }, title: 'n1' },
  })
  const article = await payload.create({
    collection: 'articles',
    data: { _status: 'published', category: alpha, title: 'a1' },
  })
  // Its draft moves it to Beta; the published article stays under Alpha.
  await payload.update({
    collection: 'articles',
    data: { category: beta },
    draft: true,
    id: article.id,
  })
  return { alpha, beta }
}

type Joined = { docs?: { relationTo?: string; value?: unknown }[]; totalDocs?: number }

const titles = (joined: unknown) =>
  ((joined as Joined | undefined)?.docs ?? [])
    .map((doc) => `${doc.relationTo}:${(doc.value as { title?: string } | undefined)?.title}`)
    .sort()

describe('polymorphic joins', () => {
  let both: Booted[]
  let seeded: Seeded[]

  beforeAll(async () => {
    both = await bootBoth(config)
    seeded = [await seed(both[0]!.payload), await seed(both[1]!.payload)]
  })

  afterAll(() => closeAll(...both))

  /** Alpha's `everything` join under `where`, on each adapter. */
  const everything = (where: (seeded: Seeded) => Where) =>
    Promise.all(
      both.map(async ({ payload }, at) => {
        const alpha = await payload.findByID({
          collection: 'categories',
          depth: 1,
          id: seeded[at]!.alpha,
          joins: { everything: { where: where(seeded[at]!) } },
        })
        return titles(alpha.everything)
      }),
    )

  it('read the documents, not their drafts, with draft: true', async () => {
    const [dynamo, sqlite] = await Promise.all(
      both.map(async ({ payload }) => {
        const { docs } = await payload.find({
          collection: 'categories',
          depth: 1,
          draft: true,
          joins: { mixed: { count: true } },
          sort: 'name',
        })
        return docs.map((doc) => ({
          name: doc.name,
          titles: titles(doc.mixed),
          totalDocs: (doc.mixed as Joined).totalDocs,
        }))
      }),
    )
    expect(sqlite).toEqual([
      { name: 'Alpha', titles: ['articles:a1', 'notes:n1'], totalDocs: 2 },
      { name: 'Beta', titles: [], totalDocs: 0 },
    ])
    expect(dynamo).toEqual(sqlite)
  })

  it("take a group's field one collection's group lacks for a missing value", async () => {
    const [dynamo, sqlite] = await everything(({ beta }) => ({
      'meta.category': { equals: beta },
    }))
    expect(sqlite).toEqual(['posts:p1'])
    expect(dynamo).toEqual(sqlite)
  })

  it.each([
    ['not_in', { body: { not_in: ['b'] } }, ['posts:p2']],
    ['in with null', { body: { in: [null, 'b'] } }, ['notes:n1', 'posts:p1']],
  ])('judge %s on a field one collection lacks as SQL does', async (_, where, expected) => {
    const [dynamo, sqlite] = await everything(() => where as Where)
    expect(sqlite).toEqual(expected)
    expect(dynamo).toEqual(sqlite)
  })
})
