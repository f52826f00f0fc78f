/**
 * A polymorphic join over a collection with number ids and one with text ids, sorted by `id`:
 * db-sqlite orders the combined rows on the id column, where SQLite puts every number before any
 * text (10 before '05' and '9'). They were compared as text ('05', '10', '9').
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { againstSqlite } from '../support/againstSqlite.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'parents',
      fields: [
        { name: 'name', type: 'text' },
        { name: 'kids', type: 'join', collection: ['numKids', 'textKids'], on: 'parent' },
      ],
    },
    {
      slug: 'numKids',
      fields: [
        { name: 'id', type: 'number' },
        { name: 'parent', type: 'relationship', relationTo: 'parents' },
      ],
    },
    {
      slug: 'textKids',
      fields: [
        { name: 'id', type: 'text' },
        { name: 'parent', type: 'relationship', relationTo: 'parents' },
      ],
    },
  ],
  db,
  secret: 'polymorphic-join-ids',
  telemetry: false,
  typescript: { autoGenerate: false },
})

async function seed(payload: Payload): Promise<number | string> {
  const { id } = await payload.create({ collection: 'parents', data: { name: 'p' } })
  for (const kid of [10, 2]) {
    await payload.create({ collection: 'numKids', data: { id: kid, parent: id } as never })
  }
  for (const kid of ['9', '05', 'a']) {
    await payload.create({ collection: 'textKids', data: { id: kid, parent: id } as never })
  }
  return id
}

againstSqlite('a polymorphic join sorted by id', config, seed, (dynamo, sqlite) => {
  it.each(['id', '-id'])('orders numbers before texts as db-sqlite (sort %s)', async (sort) => {
    const listed = async ({ booted, seeded }: ReturnType<typeof sqlite>) => {
      const parent = await booted.payload.findByID({
        collection: 'parents',
        depth: 0,
        id: seeded,
        joins: { kids: { sort } },
      })
      return (parent.kids as { docs: { relationTo: string; value: unknown }[] }).docs.map(
        (doc) => `${doc.relationTo}:${String(doc.value)}`,
      )
    }
    const expected = await listed(sqlite())
    expect(expected).toHaveLength(5)
    expect(await listed(dynamo())).toEqual(expected)
  })
})
