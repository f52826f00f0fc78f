/**
 * Text holding a lone UTF-16 surrogate (half an emoji, as a client that cuts a string by length
 * can send). db-sqlite's driver sends text as UTF-8, which has no form for it: it stores and
 * compares U+FFFD instead. DynamoDB takes strings as UTF-8 too. Text fields are stored here as
 * db-sqlite stores them, a query's values compare as its parameters do, and no request carries a
 * lone surrogate outside a `json` field (kept as given, as db-sqlite's JSON text keeps it).
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { bootBoth, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'
import { watchSends } from '../support/journalItems.js'
import { loneSurrogatePaths } from '../support/loneSurrogates.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'notes',
        fields: [
          { name: 'title', type: 'text', index: true },
          { name: 'code', type: 'text', unique: true },
          { name: 'body', type: 'textarea' },
          { name: 'tags', type: 'text', hasMany: true, index: true },
          { name: 'rows', type: 'array', fields: [{ name: 'label', type: 'text' }] },
          { name: 'data', type: 'json' },
        ],
      },
    ],
    db,
    secret: 'lone-surrogates-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

const HIGH = '\ud83d'
const LOW = '\ude00'

const NOTES = [
  { body: `cut ${HIGH}`, code: `c${HIGH}`, tags: [`t${HIGH}`, 'plain'], title: `a${HIGH}b` },
  { body: 'whole \u{1f600}', code: `c${LOW}x`, tags: ['plain'], title: `a\ufffdb` },
  { body: 'none', code: 'c-3', tags: [`t${LOW}`], title: `z${LOW}` },
]

const QUERIES: Where[] = [
  { title: { equals: `a${HIGH}b` } },
  { title: { equals: 'a\ufffdb' } },
  { title: { in: [`a${LOW}b`, `z${LOW}`] } },
  { title: { greater_than: `a${HIGH}` } },
  { title: { like: HIGH } },
  { body: { contains: HIGH } },
  { tags: { equals: `t${HIGH}` } },
  { tags: { in: ['t\ufffd'] } },
  { code: { equals: `c${LOW}x` } },
  { 'rows.label': { equals: `r${HIGH}` } },
]

async function answers(payload: Payload) {
  const out: unknown[] = []
  for (const where of QUERIES) {
    const found = await payload.find({ collection: 'notes', sort: 'code', where })
    out.push({ docs: found.docs.map((doc) => doc.code), where })
  }
  const all = await payload.find({ collection: 'notes', sort: 'code' })
  out.push(
    all.docs.map(({ body, code, data, rows, tags, title }) => ({
      body,
      code,
      data,
      rows: (rows as { label: string }[]).map((row) => row.label),
      tags,
      title,
    })),
  )
  return out
}

describe('text with lone surrogates', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, THROUGH_INDEXES)
  })

  afterAll(async () => closeAll(dynamo, sqlite))

  it('is stored, returned, found and kept unique as on db-sqlite, and never sent outside json', async () => {
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const carried: string[] = []
    const watch = watchSends(adapter, async (command) => {
      // A json field's value (`data`) goes as given; everything else must be well-formed.
      carried.push(...loneSurrogatePaths(command.input).filter((path) => !path.includes('.data')))
    })
    const created: unknown[][] = [[], []]
    try {
      for (const [index, booted] of [dynamo, sqlite].entries()) {
        for (const [n, note] of NOTES.entries()) {
          const doc = await booted.payload.create({
            collection: 'notes',
            data: { ...note, data: { [`k${HIGH}`]: `v${LOW}`, n }, rows: [{ label: `r${HIGH}` }] },
          })
          created[index].push({ body: doc.body, code: doc.code, tags: doc.tags, title: doc.title })
        }
      }
      expect(created[0]).toEqual(created[1])
      expect(await answers(dynamo.payload)).toEqual(await answers(sqlite.payload))
      // U+FFFD is what both stored: a second note with the same cut code is a duplicate.
      for (const booted of [dynamo, sqlite]) {
        await expect(
          booted.payload.create({ collection: 'notes', data: { code: `c${LOW}` } }),
        ).rejects.toThrow('The following field is invalid: code')
      }
    } finally {
      watch.restore()
    }
    expect(carried).toEqual([])
    const report = await adapter.verifyIndexes({ collection: 'notes' })
    expect(report.clean).toBe(true)
  })
})
