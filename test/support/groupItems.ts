import type { Config, DatabaseAdapterObj, Payload } from 'payload'

/**
 * One collection, `items`, with three indexed fields (`group`, `batch`, `n`): the journaled-write
 * tests update a `group` of 150 of them at once.
 */
export function groupItemsConfig(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'group', type: 'text', index: true },
          { name: 'batch', type: 'text', index: true },
          { name: 'n', type: 'number', index: true },
        ],
      },
    ],
    db,
    secret: 'group-items-secret',
    telemetry: false,
  }
}

/** Every document of one `group`, as Payload returns them. */
export async function groupDocs(payload: Payload, group: string) {
  const { docs } = await payload.find({
    collection: 'items',
    depth: 0,
    pagination: false,
    where: { group: { equals: group } },
  })
  return docs
}
