/**
 * A document of a collection with drafts deleted while two draft saves of it run. Payload deletes
 * the document, then its versions; a save that lands after that leaves a version of a deleted
 * document (as on any database). Whatever the order, a document never has two latest versions:
 * the saves serialize on the parent's latest-version pointer, which is kept (deleting it with the
 * versions, tried on 2026-12-06, let two saves each make a latest version in about one run of
 * six of an earlier form of this race).
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, THROUGH_INDEXES } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'pages',
      fields: [{ name: 'title', type: 'text' }],
      versions: { drafts: true, maxPerDoc: 3 },
    },
  ],
  db,
  secret: 'delete-racing-saves',
  telemetry: false,
})

describe('a delete racing saves of the same document', () => {
  let booted: Booted
  let payload: Payload

  beforeAll(async () => {
    booted = await boot(config, 'dynamodb', THROUGH_INDEXES)
    payload = booted.payload
  })

  afterAll(async () => booted?.close())

  it('leaves at most one latest version per document, and clean indexes', async () => {
    for (let round = 0; round < 3; round++) {
      const docs = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          payload.create({ collection: 'pages', data: { title: `race ${n}` }, draft: true }),
        ),
      )
      await Promise.allSettled(
        docs.flatMap((doc, n) => [
          payload.delete({ id: doc.id, collection: 'pages' }),
          payload.update({
            id: doc.id,
            collection: 'pages',
            data: { title: `saved ${n}` },
            draft: true,
          }),
          payload.update({
            id: doc.id,
            collection: 'pages',
            data: { title: `again ${n}` },
            draft: true,
          }),
        ]),
      )
      for (const doc of docs) {
        const { totalDocs } = await payload.countVersions({
          collection: 'pages',
          where: { and: [{ parent: { equals: doc.id } }, { latest: { equals: true } }] },
        })
        expect(totalDocs).toBeLessThanOrEqual(1)
      }
    }
    const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'pages',
    })
    expect(report.clean).toBe(true)
  })
})
