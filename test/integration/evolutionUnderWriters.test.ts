/**
 * Config changes under many writers, seeded: three processes of different configs (a number
 * indexed or not, a text unique or not, a select and a `hasMany` text indexed or not) write
 * through Payload's Local API while an operator, at random moments, starts processes of other
 * configs that build and drop indexes on start, runs `syncIndexes()` from a writer (its config's
 * indexes built, the others dropped) or `rebuildIndexes`. A unique build over duplicates (found
 * first, or taken by a writer during the pass) must fail with Payload's error and leave nothing
 * of itself behind. At the end a process of a last config syncs (making codes unique first if its
 * build names duplicates), and then, and again after every writer has written under it:
 * `verifyIndexes` is clean, every count and page of every process equals the stored documents,
 * and a unique code, when declared, is refused by every process whatever its own config says.
 *
 *   DIFF_SEED=7 DIFF_WRITES=30 DIFF_STEPS=8 npm test -- evolutionUnderWriters
 *   DIFF_STEPS=8 npm run soak -- evolution 1 20 --writes 40
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'
import { APIError } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { useIndexStateMaxAge } from '../support/indexStateAge.js'
import { describeRejection, seeded, settle } from '../support/workload.js'

const SEED = Number(process.env.DIFF_SEED ?? 11)
const REQUESTS_PER_WORKER = Number(process.env.DIFF_WRITES ?? 14)
const WORKERS_PER_PROCESS = 2
const OPERATOR_STEPS = Number(process.env.DIFF_STEPS ?? 4)
const GROUPS = ['a', 'b', 'c']
const RATINGS = [1, 2, 3, 4, 5]
const CODES = Array.from({ length: 24 }, (_, i) => `c${i}`)
// DIFF_MANY_TAGS=1: 150 tags, about half on each write, so a write of the tags no longer fits one
// transaction while `tags` is indexed (split writes, src/write/splitGroup.ts).
const MANY_TAGS = process.env.DIFF_MANY_TAGS === '1'
const TAGS = Array.from({ length: MANY_TAGS ? 150 : 5 }, (_, i) => `t${i}`)
const TAG_SHARE = MANY_TAGS ? 0.5 : 0.3

type Shape = {
  codeUnique: boolean
  groupIndexed: boolean
  ratingIndexed: boolean
  tagsIndexed: boolean
}
type Item = {
  code?: null | string
  group?: null | string
  id: number | string
  rating?: null | number
  tags?: null | string[]
}

const describeShape = (shape: Shape) =>
  `rating${shape.ratingIndexed ? '+index' : ''} code${shape.codeUnique ? '+unique' : ''} group${shape.groupIndexed ? '+index' : ''} tags${shape.tagsIndexed ? '+index' : ''}`

function config(shape: Shape) {
  return (db: DatabaseAdapterObj): Config => ({
    collections: [
      {
        slug: 'items',
        fields: [
          { name: 'title', type: 'text' },
          { name: 'rating', type: 'number', index: shape.ratingIndexed },
          { name: 'code', type: 'text', unique: shape.codeUnique },
          { name: 'group', type: 'select', index: shape.groupIndexed, options: GROUPS },
          { name: 'tags', type: 'text', hasMany: true, index: shape.tagsIndexed },
        ],
      },
    ],
    db,
    secret: 'evolution-under-writers-secret',
    telemetry: false,
  })
}

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

async function storedItems(payload: Payload): Promise<Item[]> {
  const { docs } = await payload.find({
    collection: 'items',
    depth: 0,
    pagination: false,
    sort: 'id',
  })
  return docs as unknown as Item[]
}

/** A build refused over duplicate values: Payload's error, saying what to do. */
const isDuplicateBuild = (error: unknown) =>
  error instanceof APIError && /Cannot build the unique index "code"/.test(error.message)

/**
 * What a build may meet while processes of other configs write and sync: duplicates, a value
 * taken during its pass, a document that kept changing, or its index dropped by another process.
 * Each is Payload's error saying what to do, and leaves nothing of the build behind.
 */
const BUILD_CONFLICT =
  /Cannot build the unique index "code"|unique value was taken by another document while the index was being built|Writers kept changing document|was called off by another process/

// Index drops wait twice this (src/indexes/stateFreshness.ts), 10 s by default.
useIndexStateMaxAge(300)

describe(`config changes while three processes of different configs write (seed ${SEED})`, () => {
  const tableName = `evolution-${randomUUID()}`
  const started: Payload[] = []
  const random = seeded(SEED)
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!
  const someTags = () => TAGS.filter(() => random() < TAG_SHARE)
  const randomShape = (): Shape => ({
    codeUnique: random() < 0.5,
    groupIndexed: random() < 0.5,
    ratingIndexed: random() < 0.5,
    tagsIndexed: random() < 0.5,
  })
  const boot = async (shape: Shape, options: { buildIndexes: boolean; readCache?: false }) => {
    const payload = await bootOnTable(config(shape), tableName, options)
    started.push(payload)
    return payload
  }

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  it('ends with clean indexes and exact answers in every process, codes unique where declared', async () => {
    const ids: (number | string)[] = []
    const rejections: string[] = []
    const operatorErrors: string[] = []
    const shapes = [randomShape(), randomShape(), randomShape()]
    const writers: Payload[] = []
    for (const shape of shapes) {
      writers.push(
        await boot(shape, { buildIndexes: true, ...(random() < 0.5 ? { readCache: false } : {}) }),
      )
    }
    for (let i = 0; i < 30; i++) {
      const doc = await writers[i % 3]!.create({
        collection: 'items',
        data: {
          code: `seed-${i}`,
          group: GROUPS[i % 3],
          rating: RATINGS[i % 5],
          tags: TAGS.filter((_, at) => (i + at) % 3 === 0),
          title: `seed ${i}`,
        },
      })
      ids.push(doc.id)
    }

    /** One random request through `payload`; reads check nothing here (the end does). */
    const request = (payload: Payload, label: string) => async () => {
      const roll = random()
      if (roll < 0.4) {
        const doc = await payload.create({
          collection: 'items',
          data: {
            code: random() < 0.2 ? null : pick(CODES),
            group: pick(GROUPS),
            rating: pick(RATINGS),
            tags: someTags(),
            title: label,
          },
        })
        ids.push(doc.id)
        return
      }
      if (roll < 0.75 && ids.length > 0) {
        const data: Partial<Item> = {}
        if (random() < 0.5) {
          data.rating = pick(RATINGS)
        }
        if (random() < 0.5) {
          data.group = pick(GROUPS)
        }
        if (random() < 0.3) {
          data.tags = someTags()
        }
        if (random() < 0.4) {
          data.code = random() < 0.3 ? null : pick(CODES)
        }
        await payload.update({ id: pick(ids), collection: 'items', data })
        return
      }
      if (roll < 0.85 && ids.length > 0) {
        const id = pick(ids)
        await payload.delete({ id, collection: 'items' })
        ids.splice(ids.indexOf(id), 1)
        return
      }
      const where: Where =
        random() < 0.5
          ? { group: { equals: pick(GROUPS) } }
          : { rating: { greater_than: pick(RATINGS) } }
      await payload.count({ collection: 'items', where })
      await payload.find({ collection: 'items', limit: 3, sort: '-rating', where })
    }

    const workers = writers.flatMap((payload, process) =>
      Array.from({ length: WORKERS_PER_PROCESS }, async (_, worker) => {
        for (let i = 0; i < REQUESTS_PER_WORKER; i++) {
          await settle(request(payload, `p${process}-w${worker}-${i}`), rejections)
        }
      }),
    )
    const operator = (async () => {
      for (let step = 0; step < OPERATOR_STEPS; step++) {
        await new Promise((resolve) => setTimeout(resolve, 200 + random() * 1_500))
        const roll = random()
        try {
          if (roll < 0.45) {
            // A process of another config starts: it builds its indexes and drops the others.
            // Its failures on start are logged by Payload, not thrown: sync again to see them.
            const shape = randomShape()
            const payload = await boot(shape, { buildIndexes: true, readCache: false })
            await adapterOf(payload).syncIndexes()
          } else if (roll < 0.8) {
            await adapterOf(pick(writers)).syncIndexes()
          } else {
            await adapterOf(pick(writers)).rebuildIndexes({ collection: 'items' })
          }
        } catch (error) {
          operatorErrors.push(
            error instanceof APIError && BUILD_CONFLICT.test(error.message)
              ? 'build conflict'
              : `${describeRejection(error)}: ${(error as Error).message}`,
          )
        }
      }
    })()
    await Promise.all([...workers, operator])

    // Rejections are Payload's: taken codes, documents deleted meanwhile.
    expect(rejections.filter((each) => each.startsWith('NOT-AN-APIERROR'))).toEqual([])
    expect(operatorErrors.filter((each) => each !== 'build conflict')).toEqual([])

    // The last config: a process that holds nothing in memory syncs the table to it.
    const lastShape = randomShape()
    const last = await boot(lastShape, { buildIndexes: false, readCache: false })
    try {
      await adapterOf(last).syncIndexes()
    } catch (error) {
      expect(isDuplicateBuild(error)).toBe(true)
      expect(lastShape.codeUnique).toBe(true)
      // Keep each code on its first holder, then build again.
      const holders = new Set<string>()
      for (const item of await storedItems(last)) {
        if (item.code && holders.has(item.code)) {
          await last.update({ id: item.id, collection: 'items', data: { code: null } })
        } else if (item.code) {
          holders.add(item.code)
        }
      }
      await adapterOf(last).syncIndexes()
    }
    expect(await adapterOf(last).syncIndexes({ dryRun: true })).toEqual({ pending: [], stale: [] })

    const expectExact = async (phase: string) => {
      const stored = await storedItems(last)
      const report = await adapterOf(last).verifyIndexes({ collection: 'items' })
      // The whole report when it is not clean: which kind of drift, and examples of it.
      expect({ phase, report: report.clean ? 'clean' : report }).toEqual({ phase, report: 'clean' })
      const everyone = [...writers, last]
      for (const payload of everyone) {
        expect((await storedItems(payload)).map((item) => item.id)).toEqual(
          stored.map((item) => item.id),
        )
      }
      const wheres: [Where, (item: Item) => boolean][] = [
        ...GROUPS.map((group): [Where, (item: Item) => boolean] => [
          { group: { equals: group } },
          (item) => item.group === group,
        ]),
        ...RATINGS.map((rating): [Where, (item: Item) => boolean] => [
          { rating: { equals: rating } },
          (item) => item.rating === rating,
        ]),
        ...TAGS.slice(0, 3).map((tag): [Where, (item: Item) => boolean] => [
          { tags: { equals: tag } },
          (item) => (item.tags ?? []).includes(tag),
        ]),
        [
          { tags: { in: ['t3', 't4'] } },
          (item) => (item.tags ?? []).some((tag) => tag === 't3' || tag === 't4'),
        ],
        [{ rating: { greater_than_equal: 3 } }, (item) => (item.rating ?? 0) >= 3],
        [{ group: { in: ['a', 'c'] } }, (item) => item.group === 'a' || item.group === 'c'],
      ]
      for (const [where, matches] of wheres) {
        const expected = stored.filter(matches)
        for (const payload of everyone) {
          const what = `${phase}: ${JSON.stringify(where)} in a process of ${describeShape(shapes[writers.indexOf(payload)] ?? lastShape)}`
          expect({
            what,
            count: (await payload.count({ collection: 'items', where })).totalDocs,
          }).toEqual({ what, count: expected.length })
          const page = await payload.find({
            collection: 'items',
            depth: 0,
            limit: 4,
            sort: 'rating',
            where,
          })
          expect({ what, total: page.totalDocs }).toEqual({ what, total: expected.length })
          expect(page.docs.every((doc) => matches(doc as unknown as Item))).toBe(true)
          const ratings = expected
            .map((item) => item.rating ?? null)
            .sort((a, b) => (a ?? -1) - (b ?? -1))
          expect(page.docs.map((doc) => doc.rating ?? null)).toEqual(ratings.slice(0, 4))
        }
      }
      if (lastShape.ratingIndexed) {
        expect(
          (await adapterOf(last).explain({ collection: 'items', where: { rating: { equals: 2 } } }))
            .plan.kind,
        ).toBe('index')
      }
      if (lastShape.codeUnique) {
        const codes = stored.flatMap((item) => (item.code ? [item.code] : []))
        expect(new Set(codes).size).toBe(codes.length)
        const taken = codes[0]
        if (taken) {
          for (const payload of everyone) {
            await expect(
              payload.create({ collection: 'items', data: { code: taken, title: 'late' } }),
            ).rejects.toThrow(/code/)
          }
        }
      }
    }
    await expectExact('after the last sync')

    // Every writer, whatever its config, writes again under the last config's indexes.
    for (const [process, payload] of writers.entries()) {
      for (let i = 0; i < 6; i++) {
        await settle(request(payload, `after-p${process}-${i}`), rejections)
      }
    }
    expect(rejections.filter((each) => each.startsWith('NOT-AN-APIERROR'))).toEqual([])
    await expectExact('after more writes')
  }, 300_000)
})
