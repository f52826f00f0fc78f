/**
 * `upload.filenameCompoundIndex`: Payload then drops `unique` from `filename` and expects the
 * database to keep the listed fields unique together (db-sqlite and db-mongodb build that index).
 * Before, this adapter built no index for it, and a file name was taken twice under one prefix.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { randomUUID } from 'node:crypto'
import { ValidationError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { outcomeRecorder } from '../support/outcomes.js'
import { bootBoth, bootOnTable, closeAll } from '../support/bootPayload.js'

const configWith =
  (compound: boolean) =>
  (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'media',
        fields: [{ name: 'prefix', type: 'text' }],
        upload: {
          disableLocalStorage: true,
          ...(compound ? { filenameCompoundIndex: ['filename', 'prefix'] } : {}),
        },
      },
    ],
    db,
    logger: { options: { level: 'warn' } },
    secret: 'filename-compound',
    telemetry: false,
  })

const config = configWith(true)

/** The same writes on either adapter: each one's outcome, then how many hold f.txt under p1. */
async function play(payload: Payload): Promise<string[]> {
  const { attempt, out } = outcomeRecorder()
  const store = (prefix: string) => () =>
    payload.db.create({ collection: 'media', data: { filename: 'f.txt', prefix } })
  await attempt('f.txt under p1', store('p1'))
  await attempt('f.txt under p1 again', store('p1'))
  await attempt('f.txt under p2', store('p2'))
  // An update without a new file does not look for a free name: the index alone refuses it.
  await attempt('the p2 document moved to p1', async () => {
    const result = await payload.update({
      collection: 'media',
      data: { prefix: 'p1' },
      where: { prefix: { equals: 'p2' } },
    })
    if (result.errors.length > 0) {
      throw new ValidationError({ errors: [{ message: 'refused', path: 'prefix' }] })
    }
  })
  await attempt('the p2 document moved to p3', () =>
    payload.update({
      collection: 'media',
      data: { prefix: 'p3' },
      where: { prefix: { equals: 'p2' } },
    }),
  )
  await attempt('f.txt under p2, freed', store('p2'))
  const { totalDocs } = await payload.count({
    collection: 'media',
    where: { and: [{ filename: { equals: 'f.txt' } }, { prefix: { equals: 'p1' } }] },
  })
  out.push(`f.txt under p1: ${totalDocs}`)
  return out
}

describe('an upload collection with filenameCompoundIndex', () => {
  let dynamodb: Booted
  let sqlite: Booted
  beforeAll(async () => {
    ;[dynamodb, sqlite] = await bootBoth(config)
  })
  afterAll(() => closeAll(dynamodb, sqlite))

  it('refuses a file name taken under the same prefix, as db-sqlite does', async () => {
    const expected = await play(sqlite.payload)
    expect(expected).toContain('f.txt under p1 again: refused')
    expect(expected).toContain('f.txt under p2: stored')
    expect(await play(dynamodb.payload)).toEqual(expected)
    const db = dynamodb.payload.db as unknown as DynamoDBAdapter
    expect((await db.verifyIndexes({ collection: 'media' })).clean).toBe(true)
  })

  it('two processes storing one name under one prefix at once: one is stored', async () => {
    const table = `filename-compound-${randomUUID()}`
    const processes = [await bootOnTable(config, table), await bootOnTable(config, table)]
    try {
      for (let round = 0; round < 4; round++) {
        const outcomes = await Promise.allSettled(
          processes.map((payload) =>
            payload.db.create({
              collection: 'media',
              data: { filename: `race-${round}.txt`, prefix: 'p' },
            }),
          ),
        )
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1)
        const refused = outcomes.find((outcome) => outcome.status === 'rejected')
        expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(ValidationError)
      }
      expect((await processes[1].count({ collection: 'media' })).totalDocs).toBe(4)
      const db = processes[0].db as unknown as DynamoDBAdapter
      expect((await db.verifyIndexes({ collection: 'media' })).clean).toBe(true)
    } finally {
      await Promise.all(processes.map((payload) => payload.destroy()))
    }
  })

  it('set on a table with files: the index is built and refuses a taken pair', async () => {
    const table = `filename-compound-${randomUUID()}`
    const before = await bootOnTable(configWith(false), table, { readCache: false })
    await before.db.create({ collection: 'media', data: { filename: 'a.txt', prefix: 'p1' } })
    await before.db.create({ collection: 'media', data: { filename: 'b.txt', prefix: 'p1' } })
    await before.destroy()
    const after = await bootOnTable(config, table, { readCache: false })
    try {
      const db = after.db as unknown as DynamoDBAdapter
      expect(await db.syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })
      await expect(
        after.db.create({ collection: 'media', data: { filename: 'a.txt', prefix: 'p1' } }),
      ).rejects.toBeInstanceOf(ValidationError)
      await after.db.create({ collection: 'media', data: { filename: 'a.txt', prefix: 'p2' } })
      expect((await after.count({ collection: 'media' })).totalDocs).toBe(3)
      expect((await db.verifyIndexes({ collection: 'media' })).clean).toBe(true)
    } finally {
      await after.destroy()
    }
  })
})
