/**
 * A custom text id that spells the index key of another, longer id (`\u0000~` + its sha256, how
 * keyLimits.ts `keyedID` keys a related id too long for a key). Both documents exist; each
 * relationship query finds its own, through the indexes and from memory (before 2026-12-07 a
 * count of either gave 2, its value counter shared by both; such an id is now keyed by its own
 * digest).
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { createHash } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, boot, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'tags',
        fields: [
          { name: 'id', type: 'text' },
          { name: 'label', type: 'text' },
          { name: 'refs', type: 'join', collection: 'posts', on: 'tag' },
        ],
      },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'tag', type: 'relationship', relationTo: 'tags' },
        ],
      },
    ],
    db,
    secret: 'digest-like-ids',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

const LONG = 'x'.repeat(1100)
const FAKE = `\u0000~${createHash('sha256').update(LONG, 'utf8').digest('hex')}`

async function answers(payload: Payload) {
  await payload.create({ collection: 'tags', data: { id: LONG, label: 'long' } })
  await payload.create({ collection: 'tags', data: { id: FAKE, label: 'fake' } })
  await payload.create({ collection: 'posts', data: { tag: LONG, title: 'to-long' } })
  await payload.create({ collection: 'posts', data: { tag: FAKE, title: 'to-fake' } })
  const out: Record<string, unknown> = {}
  const wheres: Record<string, Where> = {
    eqFake: { tag: { equals: FAKE } },
    eqLong: { tag: { equals: LONG } },
    inLong: { tag: { in: [LONG] } },
    neLong: { tag: { not_equals: LONG } },
  }
  for (const [name, where] of Object.entries(wheres)) {
    const { docs, totalDocs } = await payload.find({
      collection: 'posts',
      depth: 0,
      sort: 'title',
      where,
    })
    const { totalDocs: counted } = await payload.count({ collection: 'posts', where })
    out[name] = { counted, titles: docs.map((d) => d.title), totalDocs }
  }
  const long = await payload.findByID({ collection: 'tags', depth: 0, id: LONG })
  out.joinLong = (long.refs as { docs: unknown[] }).docs.length
  const fake = await payload.findByID({ collection: 'tags', depth: 0, id: FAKE })
  out.joinFake = (fake.refs as { docs: unknown[] }).docs.length
  return out
}

describe("an id spelling another id's index key", () => {
  let indexed: Booted
  let memory: Booted

  beforeAll(async () => {
    ;[indexed, memory] = await Promise.all([
      boot(config, 'dynamodb', THROUGH_INDEXES),
      boot(config, 'dynamodb', {}),
    ])
  })

  afterAll(() => closeAll(indexed, memory))

  it('each relationship query finds its own document', async () => {
    const expected = {
      eqFake: { counted: 1, titles: ['to-fake'], totalDocs: 1 },
      eqLong: { counted: 1, titles: ['to-long'], totalDocs: 1 },
      inLong: { counted: 1, titles: ['to-long'], totalDocs: 1 },
      joinFake: 1,
      joinLong: 1,
      neLong: { counted: 1, titles: ['to-fake'], totalDocs: 1 },
    }
    const fromIndexes = await answers(indexed.payload)
    const fromMemory = await answers(memory.payload)
    const verify = await (indexed.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'posts',
    })
    expect({ fromIndexes, fromMemory, verify: verify.clean }).toEqual({
      fromIndexes: expected,
      fromMemory: expected,
      verify: true,
    })
  })
})
