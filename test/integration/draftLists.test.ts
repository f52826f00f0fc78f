/**
 * Lists of drafts filtered on an indexed field (the admin panel's list of a collection with
 * drafts): `queryDrafts` asks the versions for `latest equals true` and the filter. Indexes that
 * hold the latest versions only (`version.<field>@latest`) count the matches from their value
 * counters and let the page walk the sort field's index, so the page does not read every version.
 * Answers are db-sqlite's, after writes made at once (autosaves, publishing, deletes), and
 * `verifyIndexes` is clean (the entries of a version that stops being latest are removed).
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, bootBoth, closeAll } from '../support/bootPayload.js'

const DOCUMENTS = 120
const CATEGORIES = ['a', 'b', 'c', 'd'] as const
/** Large enough that reading every version costs more than walking an index for a page. */
const PADDING = 'x'.repeat(3_000)
const WALK =
  /^index\t.*index version\.createdAt in descending order, counted from index version\.category@latest$/m

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'pages',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'category', type: 'select', index: true, options: [...CATEGORIES] },
          { name: 'padding', type: 'text' },
        ],
        versions: { drafts: true },
      },
    ],
    db,
    secret: 'draft-lists-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

/** The same documents and writes on either adapter; the writes of the second stage at once. */
async function build({ payload }: Booted): Promise<void> {
  const ids: (number | string)[] = []
  for (let i = 0; i < DOCUMENTS; i++) {
    const published = i % 3 !== 0
    const doc = await payload.create({
      collection: 'pages',
      data: {
        _status: published ? 'published' : 'draft',
        category: CATEGORIES[i % 4],
        padding: PADDING,
        title: `page ${i}`,
      },
      draft: !published,
    })
    ids.push(doc.id)
  }
  await Promise.all(
    ids.slice(0, 40).map((id, i) => {
      switch (i % 4) {
        case 0: // an autosave moving the document to another category
          return payload.update({
            id,
            collection: 'pages',
            data: { category: CATEGORIES[(i + 1) % 4], title: `page ${i} moved` },
            draft: true,
          })
        case 1: // publishing
          return payload.update({
            id,
            collection: 'pages',
            data: { _status: 'published', title: `page ${i} published` },
          })
        case 2:
          return payload.delete({ id, collection: 'pages' })
        default: // two autosaves one after the other
          return payload
            .update({ id, collection: 'pages', data: { title: `page ${i} saved` }, draft: true })
            .then(() =>
              payload.update({
                id,
                collection: 'pages',
                data: { category: 'd', title: `page ${i} saved twice` },
                draft: true,
              }),
            )
      }
    }),
  )
}

const LISTS: Where[] = [
  ...CATEGORIES.map((category): Where => ({ category: { equals: category } })),
  { _status: { equals: 'draft' } },
  { _status: { equals: 'published' } },
  { category: { in: ['a', 'c'] } },
]

/**
 * Each list by title, two pages of 7 (in order), and in the default order (newest first) whole,
 * as a set: documents created within one millisecond tie there, and each database orders ties
 * its own way.
 */
async function lists({ payload }: Booted) {
  const answers = []
  for (const where of LISTS) {
    for (const page of [1, 2]) {
      const found = await payload.find({
        collection: 'pages',
        draft: true,
        limit: 7,
        page,
        sort: 'title',
        where,
      })
      answers.push({
        page,
        titles: found.docs.map((doc) => doc.title),
        totalDocs: found.totalDocs,
        where,
      })
    }
    const newestFirst = await payload.find({ collection: 'pages', draft: true, limit: 0, where })
    answers.push({
      titles: newestFirst.docs.map((doc) => doc.title).sort(),
      totalDocs: newestFirst.totalDocs,
      where,
    })
  }
  return answers
}

describe('lists of drafts filtered on an indexed field', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, THROUGH_INDEXES)
    await build(dynamo)
    await build(sqlite)
  })

  afterAll(() => closeAll(dynamo, sqlite))

  it('answer as db-sqlite after writes made at once, with the indexes clean', async () => {
    const expected = await lists(sqlite)
    expect(await lists(dynamo)).toEqual(expected)
    expect(expected.some((answer) => answer.totalDocs > 7)).toBe(true)
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    expect((await adapter.verifyIndexes({ collection: 'pages' })).clean).toBe(true)
  })

  it('read a page without reading every version', async () => {
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    const list = () =>
      dynamo.payload.find({
        collection: 'pages',
        draft: true,
        limit: 7,
        where: { category: { equals: 'b' } },
      })
    await list() // counts for the plan's estimates are remembered after this one
    const planLog = join(tmpdir(), `draft-lists-${randomUUID()}.log`)
    process.env.DYNAMODB_PLAN_LOG = planLog
    adapter.stats.reset()
    try {
      expect((await list()).docs).toHaveLength(7)
    } finally {
      delete process.env.DYNAMODB_PLAN_LOG
    }
    // The total from the latest-only index's counters, the page from the sort field's index.
    // (The log is in the failure message: the plan is chosen from counts read at run time.)
    const logged = readFileSync(planLog, 'utf8')
    rmSync(planLog, { force: true })
    expect({ logged, walked: WALK.test(logged) }).toEqual({ logged, walked: true })
    // Reading every version (about 3 KB each) took 52 RCU here; the walk reads about 30.
    expect(adapter.stats.readCapacityUnits).toBeLessThan(45)
  })
})
