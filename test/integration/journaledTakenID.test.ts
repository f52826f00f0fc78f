/**
 * A Payload transaction of more than 100 items (the commit journal) that creates a document
 * under an id another document holds: the journal's applied groups are undone and the commit
 * fails with Payload's duplicate-id error. The undo stores the transaction's updated documents
 * back under the write's id, which is also how a write whose response was lost is recognised:
 * before, the commit took the undo for its own write having landed and resolved, while nothing
 * of the transaction was stored (the documents its creates returned included).
 */
import type { Config, DatabaseAdapterObj, PayloadRequest } from 'payload'

import { commitTransaction, initTransaction, killTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'named',
        fields: [
          { name: 'id', type: 'text' },
          { name: 'title', type: 'text' },
          { name: 'tags', type: 'text', hasMany: true, index: true },
        ],
      },
    ],
    db,
    secret: 'journaled-taken-id',
    telemetry: false,
  }
}

describe('a journaled transaction creating a taken id', () => {
  let dynamo: Booted

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb')
  })

  afterAll(() => closeAll(dynamo))

  it('fails with the duplicate-id error and stores nothing, after an update in its first group', async () => {
    const { payload } = dynamo
    await payload.create({ collection: 'named', data: { id: 'first', title: 'before' } })

    const req = { payload } as PayloadRequest
    await initTransaction(req)
    // The update comes first: its document is the first the commit stores.
    await payload.update({ collection: 'named', data: { title: 'after' }, id: 'first', req })
    for (let n = 0; n < 30; n++) {
      await payload.create({
        collection: 'named',
        data: { id: `new-${n}`, tags: [`t${n}a`, `t${n}b`, 'shared'], title: `new ${n}` },
        req,
      })
    }
    // Free when the transaction creates it (a stored id is refused at the create), taken by
    // another request before the commit.
    await payload.create({ collection: 'named', data: { id: 'taken', title: 'again' }, req })
    await payload.create({ collection: 'named', data: { id: 'taken', title: 'holder' } })

    let failure: unknown
    try {
      await commitTransaction(req)
    } catch (error) {
      failure = error
      await killTransaction(req)
    }
    expect((failure as { name?: string } | undefined)?.name).toBe('ValidationError')

    expect((await payload.findByID({ collection: 'named', id: 'first' })).title).toBe('before')
    expect((await payload.findByID({ collection: 'named', id: 'taken' })).title).toBe('holder')
    const { docs, totalDocs } = await payload.find({ collection: 'named', limit: 0 })
    expect(docs.map((doc) => doc.id).sort()).toEqual(['first', 'taken'])
    expect(totalDocs).toBe(2)
    expect(
      (await payload.count({ collection: 'named', where: { tags: { equals: 'shared' } } }))
        .totalDocs,
    ).toBe(0)
    const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'named',
    })
    expect(report).toMatchObject({ clean: true, missingEntries: 0, orphanEntries: 0 })
    expect(report.counter).toBe(2)
  })
})
