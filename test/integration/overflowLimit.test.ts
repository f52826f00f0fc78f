/**
 * Up to 1,000 values in one index (and locale), a document has an entry and a value count per
 * value, written through the commit journal when they do not fit one transaction
 * (write/splitGroup.ts). Before 2026-12-05 the limit was 40: a gallery of 60 images had an
 * overflow entry instead, and while it existed every query that index serves read the whole
 * collection. Documents stored so by earlier versions stay answered exactly (the overflow look),
 * and their next write replaces the overflow entry with entries and counts
 * (write/legacyOverflows.ts); `repairIndexes` does the same for those nobody writes.
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'
import { titlesAndCounts } from '../support/compare.js'

import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'
import { watchSends } from '../support/journalItems.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      { slug: 'people', fields: [{ name: 'name', type: 'text' }] },
      {
        slug: 'posts',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'tags', type: 'text', hasMany: true, index: true },
          { name: 'readers', type: 'relationship', hasMany: true, relationTo: 'people' },
        ],
      },
    ],
    db,
    secret: 'overflow-limit',
    telemetry: false,
  }
}

const values = (count: number, prefix = 't') =>
  Array.from({ length: count }, (_, n) => `${prefix}${n}`)

/** Runs `work` as a version before 2026-12-05 would have written (the limit at 40). */
async function asEarlierVersion<T>(work: () => Promise<T>): Promise<T> {
  process.env.PAYLOAD_DYNAMODB_MAX_ENTRIES = '40'
  try {
    return await work()
  } finally {
    delete process.env.PAYLOAD_DYNAMODB_MAX_ENTRIES
  }
}

describe('documents with more than 40 values in an index', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    delete process.env.PAYLOAD_DYNAMODB_MAX_ENTRIES
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
    sqlite = await boot(config, 'sqlite')
  })

  afterAll(() => closeAll(dynamo, sqlite))

  const adapter = () => dynamo.payload.db as unknown as DynamoDBAdapter

  const tagPlan = async () =>
    (await adapter().explain({ collection: 'posts', where: { tags: { equals: 't1' } } })).plan.kind

  const wheres: Where[] = [
    ...[0, 39, 43, 150, 199].map((n) => ({ tags: { equals: `t${n}` } })),
    { tags: { in: ['t42', 'nothing'] } },
    { and: [{ tags: { equals: 't1' } }, { tags: { equals: 't150' } }] },
  ]

  const expectClean = async () =>
    expect(await adapter().verifyIndexes({ collection: 'posts' })).toMatchObject({
      clean: true,
      missingEntries: 0,
      orphanEntries: 0,
      valueCountersOff: 0,
    })

  it('a document with 200 values and one with 60 related documents stay in the index', async () => {
    const people: Record<string, (number | string)[]> = { dynamo: [], sqlite: [] }
    for (const [name, booted] of [
      ['dynamo', dynamo],
      ['sqlite', sqlite],
    ] as const) {
      for (let n = 0; n < 60; n++) {
        people[name].push(
          (await booted.payload.create({ collection: 'people', data: { name: `p${n}` } })).id,
        )
      }
      await booted.payload.create({ collection: 'posts', data: { tags: values(200), title: 'a' } })
      await booted.payload.create({
        collection: 'posts',
        data: { readers: people[name], tags: ['t1'], title: 'gallery' },
      })
    }
    // Before: `partition` (the 200 values had an overflow entry).
    expect(await tagPlan()).toBe('index')
    expect(await titlesAndCounts(dynamo, wheres)).toEqual(await titlesAndCounts(sqlite, wheres))
    for (const n of [0, 41, 59]) {
      const byReader = async (booted: Booted, name: 'dynamo' | 'sqlite') =>
        (
          await booted.payload.count({
            collection: 'posts',
            where: { readers: { equals: people[name][n] } },
          })
        ).totalDocs
      expect(await byReader(dynamo, 'dynamo')).toBe(await byReader(sqlite, 'sqlite'))
    }
    const readerPlan = await adapter().explain({
      collection: 'posts',
      where: { readers: { equals: people.dynamo[59] } },
    })
    expect(readerPlan.plan.kind).toBe('index')
    await expectClean()
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.delete({
        collection: 'posts',
        where: { title: { in: ['a', 'gallery'] } },
      })
    }
    await expectClean()
  })

  it('a document an earlier version stored with an overflow entry is answered exactly, and its next write gives it entries and counts', async () => {
    for (const booted of [dynamo, sqlite]) {
      await booted.payload.create({ collection: 'posts', data: { tags: ['t1'], title: 'one' } })
    }
    const legacy = await asEarlierVersion(() =>
      dynamo.payload.create({ collection: 'posts', data: { tags: values(44), title: 'b44' } }),
    )
    await sqlite.payload.create({ collection: 'posts', data: { tags: values(44), title: 'b44' } })
    // Answered through the collection while its overflow entry exists.
    expect(await tagPlan()).toBe('partition')
    expect(await titlesAndCounts(dynamo, wheres)).toEqual(await titlesAndCounts(sqlite, wheres))
    // verifyIndexes names it: the entries and counts of today's limit are missing.
    const report = await adapter().verifyIndexes({ collection: 'posts' })
    expect(report.clean).toBe(false)
    expect(report.missingEntries).toBe(44)

    // Its next write looks for the overflow entry (one BatchGetItem) and replaces it.
    let probes = 0
    const watch = watchSends(adapter(), async (command) => {
      const keys = JSON.stringify(command.input ?? {})
      if (command.constructor.name === 'BatchGetCommand' && keys.includes('#X#tags')) {
        probes++
      }
    })
    try {
      for (const booted of [dynamo, sqlite]) {
        await booted.payload.update({
          collection: 'posts',
          data: { tags: [...values(44), 'extra'] },
          where: { title: { equals: 'b44' } },
        })
      }
    } finally {
      watch.restore()
    }
    expect(probes).toBeGreaterThan(0)
    // Written by this version now (its `ix` says so): its next write looks for nothing.
    const looked = probes
    const again = watchSends(adapter(), async (command) => {
      if (
        command.constructor.name === 'BatchGetCommand' &&
        JSON.stringify(command.input ?? {}).includes('#X#tags')
      ) {
        probes++
      }
    })
    try {
      await dynamo.payload.update({
        collection: 'posts',
        data: { title: 'b44' },
        where: { title: { equals: 'b44' } },
      })
    } finally {
      again.restore()
    }
    expect(probes).toBe(looked)
    // Its write removed the overflow entry: the process plans on the index again at once.
    expect(await tagPlan()).toBe('index')
    const more: Where[] = [...wheres, { tags: { equals: 'extra' } }]
    expect(await titlesAndCounts(dynamo, more)).toEqual(await titlesAndCounts(sqlite, more))
    await expectClean()
    expect(legacy.id).toBeDefined()
  })

  it('a repair that replaces the overflow entry between the look and the write makes the write compute again', async () => {
    const stored = await asEarlierVersion(() =>
      dynamo.payload.create({ collection: 'posts', data: { tags: values(45, 'q'), title: 'q45' } }),
    )
    await sqlite.payload.create({
      collection: 'posts',
      data: { tags: values(45, 'q'), title: 'q45' },
    })
    let repaired = false
    const watch = watchSends(adapter(), async (command) => {
      const sent = JSON.stringify(command.input ?? {})
      if (
        !repaired &&
        command.constructor.name === 'TransactWriteCommand' &&
        sent.includes('#X#tags')
      ) {
        repaired = true
        watch.restore()
        await adapter().repairIndexes({ collection: 'posts' })
      }
    })
    try {
      await dynamo.payload.update({
        collection: 'posts',
        data: { tags: [...values(45, 'q'), 'late'] },
        id: stored.id,
      })
    } finally {
      watch.restore()
    }
    await sqlite.payload.update({
      collection: 'posts',
      data: { tags: [...values(45, 'q'), 'late'] },
      where: { title: { equals: 'q45' } },
    })
    expect(repaired).toBe(true)
    const byTag: Where[] = [{ tags: { equals: 'q44' } }, { tags: { equals: 'late' } }]
    expect(await titlesAndCounts(dynamo, byTag)).toEqual(await titlesAndCounts(sqlite, byTag))
    // Before the condition on the overflow entry: the write removed the counts the repair
    // had just added for the values it kept (valueCountersOff).
    await expectClean()
  })

  it('repairIndexes replaces the overflow entry of a document nobody writes', async () => {
    await asEarlierVersion(() =>
      dynamo.payload.create({ collection: 'posts', data: { tags: values(50, 'r'), title: 'r50' } }),
    )
    await sqlite.payload.create({
      collection: 'posts',
      data: { tags: values(50, 'r'), title: 'r50' },
    })
    expect((await adapter().verifyIndexes({ collection: 'posts' })).clean).toBe(false)
    await adapter().repairIndexes({ collection: 'posts' })
    await expectClean()
    const byTag: Where[] = [{ tags: { equals: 'r49' } }, { tags: { in: ['r0', 't1'] } }]
    expect(await titlesAndCounts(dynamo, byTag)).toEqual(await titlesAndCounts(sqlite, byTag))
  })
})
