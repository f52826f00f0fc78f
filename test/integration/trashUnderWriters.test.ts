/**
 * Children of a `trash: true` collection trashed, restored, moved, updated and
 * hard-deleted concurrently from two processes (two Payloads on one table, read caches on) while
 * a third (read cache off) reads. After each round: `verifyIndexes` clean, and every join, find
 * and count answers what the stored documents say (recomputed here from a plain find).
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import { randomUUID } from 'node:crypto'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'parents',
      trash: true,
      fields: [
        { name: 'name', type: 'text' },
        { name: 'kids', type: 'join', collection: 'kids', on: 'parent' },
        {
          name: 'liveKids',
          type: 'join',
          collection: 'kids',
          on: 'parent',
          where: { deletedAt: { exists: false } },
        },
        { name: 'tagged', type: 'join', collection: 'kids', on: 'tags' },
      ],
    },
    {
      slug: 'kids',
      trash: true,
      fields: [
        { name: 'title', type: 'text' },
        { name: 'rank', type: 'number' },
        { name: 'parent', type: 'relationship', relationTo: 'parents' },
        { name: 'tags', type: 'relationship', relationTo: 'parents', hasMany: true },
      ],
    },
  ],
  db,
  logger: { options: { level: 'fatal' } },
  secret: 'review-trash-race',
  telemetry: false,
})

type Kid = {
  deletedAt?: null | string
  id: number | string
  parent?: null | number | string
  rank: number
  tags?: (number | string)[]
  title: string
}

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed
  return () => {
    a |= 0
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ROUNDS = Number(process.env.REVIEW_ROUNDS ?? 4)
const OPS = Number(process.env.REVIEW_OPS ?? 40)
const KIDS = 24

const sortBy =
  (key: 'rank' | 'title', desc = false) =>
  (a: Kid, b: Kid) => {
    const x = a[key]
    const y = b[key]
    const c = x < y ? -1 : x > y ? 1 : 0
    return desc ? -c : c
  }

function page<T>(all: T[], limit: number, pageNo: number) {
  const skip = (pageNo - 1) * limit
  return {
    docs: all.slice(skip, skip + limit),
    hasNextPage: all.length > skip + limit,
    totalDocs: all.length,
  }
}

describe('trash, restore, move, delete racing (two writers, read caches on)', () => {
  const started: Payload[] = []
  let A: Payload
  let B: Payload
  let C: Payload
  const parents: Record<string, number | string> = {}
  const names = new Map<string, string>()
  let counter = 0
  const deletedIDs = new Set<string>()
  /** Outcomes by kind (`ok trash`, or the kind and the error's message). */
  const outcomes: Record<string, number> = {}

  beforeAll(async () => {
    const tableName = `review-trash-race-${randomUUID()}`
    A = await bootOnTable(config, tableName)
    B = await bootOnTable(config, tableName)
    C = await bootOnTable(config, tableName, { readCache: false })
    started.push(A, B, C)
    for (const name of ['P1', 'P2', 'P3']) {
      const doc = await A.create({ collection: 'parents', data: { name } })
      parents[name] = doc.id
      names.set(String(doc.id), name)
    }
    for (let n = 0; n < KIDS; n++) {
      counter++
      await A.create({
        collection: 'kids',
        data: {
          parent: parents[`P${(n % 3) + 1}`],
          rank: counter,
          tags: n % 2 ? [parents.P2] : [],
          title: `t${String(counter).padStart(4, '0')}`,
        } as never,
      })
    }
  }, 120_000)

  afterAll(async () => {
    for (const payload of started) {
      await payload.destroy()
    }
  })

  async function stored(payload: Payload): Promise<Kid[]> {
    const found = await payload.find({
      collection: 'kids',
      depth: 0,
      pagination: false,
      trash: true,
    })
    return found.docs as unknown as Kid[]
  }

  async function round(seed: number) {
    const random = rng(seed)
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]
    const before = await stored(C)
    const ids = before.map((kid) => kid.id)
    const P = Object.values(parents)
    const ops: (() => Promise<unknown>)[] = []
    for (let i = 0; i < OPS; i++) {
      const writer = random() < 0.5 ? A : B
      // a hot set: most operations meet another on the same document
      const id = random() < 0.6 ? ids[Math.floor(random() * Math.min(6, ids.length))] : pick(ids)
      const r = random()
      let kind: string
      let op: () => Promise<unknown>
      if (r < 0.18) {
        kind = 'trash'
        op = () =>
          writer.update({
            collection: 'kids',
            data: { deletedAt: new Date().toISOString() } as never,
            id,
          })
      } else if (r < 0.34) {
        kind = 'restore'
        op = () =>
          writer.update({ collection: 'kids', data: { deletedAt: null } as never, id, trash: true })
      } else if (r < 0.5) {
        kind = 'move'
        op = () =>
          writer.update({
            collection: 'kids',
            data: { parent: pick(P), tags: random() < 0.5 ? [pick(P)] : [] } as never,
            id,
            trash: true,
          })
      } else if (r < 0.64) {
        kind = 'retitle'
        counter++
        const c = counter
        op = () =>
          writer.update({
            collection: 'kids',
            data: { rank: c, title: `t${String(c).padStart(4, '0')}` } as never,
            id,
            trash: true,
          })
      } else if (r < 0.7) {
        kind = 'hardDelete'
        op = async () => {
          await writer.delete({ collection: 'kids', id, trash: true })
          deletedIDs.add(String(id))
        }
      } else if (r < 0.78) {
        kind = 'trashWhere'
        const name = pick(['P1', 'P2', 'P3'])
        const limit = counter - Math.floor(random() * 20)
        op = () =>
          writer.update({
            collection: 'kids',
            data: { deletedAt: new Date().toISOString() } as never,
            where: { 'parent.name': { equals: name }, rank: { less_than: limit } },
          })
      } else if (r < 0.85) {
        kind = 'restoreWhere'
        const parent = pick(P)
        op = () =>
          writer.update({
            collection: 'kids',
            data: { deletedAt: null } as never,
            trash: true,
            where: { deletedAt: { exists: true }, parent: { equals: parent } },
          })
      } else if (r < 0.9) {
        kind = 'deleteWhere'
        const name = pick(['P1', 'P2', 'P3'])
        op = async () => {
          const result = await writer.delete({
            collection: 'kids',
            trash: true,
            where: { deletedAt: { exists: true }, 'tags.name': { equals: name } },
          })
          for (const doc of result.docs) {
            deletedIDs.add(String(doc.id))
          }
        }
      } else {
        kind = 'create'
        counter++
        const c = counter
        op = () =>
          writer.create({
            collection: 'kids',
            data: {
              deletedAt: random() < 0.3 ? new Date().toISOString() : undefined,
              parent: pick(P),
              rank: c,
              tags: [pick(P)],
              title: `t${String(c).padStart(4, '0')}`,
            } as never,
          })
      }
      ops.push(async () => {
        try {
          await op()
          outcomes[`ok ${kind}`] = (outcomes[`ok ${kind}`] ?? 0) + 1
        } catch (error) {
          const key = `${kind}: ${(error as Error).message.slice(0, 80)}`
          outcomes[key] = (outcomes[key] ?? 0) + 1
        }
      })
    }
    const succeededBefore = succeeded()
    await Promise.all(ops.map((op) => op()))
    // Most operations land (the rest meet a document another one deleted): the check after a
    // round where every write failed would hold trivially.
    expect(succeeded() - succeededBefore).toBeGreaterThanOrEqual(OPS / 2)
  }

  const succeeded = () =>
    Object.entries(outcomes).reduce(
      (sum, [key, count]) => sum + (key.startsWith('ok ') ? count : 0),
      0,
    )

  /** What every reader must answer, recomputed from the stored documents. */
  async function check(label: string) {
    const problems: Record<string, unknown> = {}
    for (const collection of ['kids', 'parents']) {
      for (const payload of [A, C]) {
        const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
          collection,
        })
        if (!report.clean) {
          problems[`verify ${collection}`] = report
        }
      }
    }
    const truth = await stored(C)
    // the stored documents agree between readers (by id)
    const byID = (list: Kid[]) =>
      JSON.stringify(
        [...list]
          .map((k) => [
            String(k.id),
            k.title,
            k.rank,
            String(k.parent),
            (k.tags ?? []).map(String),
            k.deletedAt ? 'T' : '',
          ])
          .sort(),
      )
    for (const [name, payload] of [
      ['A', A],
      ['B', B],
    ] as const) {
      const theirs = await stored(payload)
      if (byID(theirs) !== byID(truth)) {
        problems[`${name} plain find differs from C`] = { theirs: byID(theirs), truth: byID(truth) }
      }
    }
    // a document whose hard delete succeeded must not come back
    const back = truth.filter((kid) => deletedIDs.has(String(kid.id)))
    if (back.length) {
      problems['deleted documents stored again'] = back
    }
    const parentOf = (kid: Kid) => names.get(String(kid.parent))
    const tagNames = (kid: Kid) => (kid.tags ?? []).map((t) => names.get(String(t)))
    const title = (k: Kid) => k.title
    for (const [rname, payload] of [
      ['A', A],
      ['B', B],
      ['C', C],
    ] as const) {
      const titleOf = new Map(truth.map((k) => [String(k.id), k.title]))
      const show = (
        v: undefined | { docs?: unknown[]; hasNextPage?: boolean; totalDocs?: number },
      ) =>
        v && {
          docs: (v.docs ?? []).map((id: unknown) => titleOf.get(String(id)) ?? `?${String(id)}`),
          hasNextPage: v.hasNextPage,
          totalDocs: v.totalDocs,
        }
      for (const pname of ['P1', 'P2', 'P3']) {
        const pid = parents[pname]
        const mine = truth.filter((k) => parentOf(k) === pname)
        const joins: [string, string, Record<string, unknown>, unknown][] = [
          [
            'kids',
            'all by title',
            { count: true, limit: 0, sort: 'title' },
            page([...mine].sort(sortBy('title')).map(title), 1000, 1),
          ],
          [
            'kids',
            '-rank limit 3 page 2',
            { count: true, limit: 3, page: 2, sort: '-rank' },
            page([...mine].sort(sortBy('rank', true)).map(title), 3, 2),
          ],
          [
            'kids',
            'trashed',
            { count: true, limit: 4, sort: 'title', where: { deletedAt: { exists: true } } },
            page(
              mine
                .filter((k) => k.deletedAt)
                .sort(sortBy('title'))
                .map(title),
              4,
              1,
            ),
          ],
          [
            'liveKids',
            'live',
            { count: true, limit: 0, sort: 'title' },
            page(
              mine
                .filter((k) => !k.deletedAt)
                .sort(sortBy('title'))
                .map(title),
              1000,
              1,
            ),
          ],
          [
            'liveKids',
            'live page 2 of 2',
            { count: true, limit: 2, page: 2, sort: '-title' },
            page(
              mine
                .filter((k) => !k.deletedAt)
                .sort(sortBy('title', true))
                .map(title),
              2,
              2,
            ),
          ],
          [
            'tagged',
            'tagged live',
            { count: true, limit: 0, sort: 'title', where: { deletedAt: { exists: false } } },
            page(
              truth
                .filter((k) => !k.deletedAt && tagNames(k).includes(pname))
                .sort(sortBy('title'))
                .map(title),
              1000,
              1,
            ),
          ],
        ]
        for (const [field, qlabel, query, expected] of joins) {
          const doc = await payload.findByID({
            collection: 'parents',
            depth: 0,
            id: pid,
            joins: { [field]: query } as never,
          })
          const got = show(doc[field])
          if (JSON.stringify(got) !== JSON.stringify(expected)) {
            problems[`${rname} ${pname} ${field} ${qlabel}`] = { expected, got }
          }
        }
      }
      const finds: [
        string,
        Where | undefined,
        boolean,
        string,
        number,
        number,
        (k: Kid) => boolean,
        (a: Kid, b: Kid) => number,
      ][] = [
        [
          'trashed page 2',
          { deletedAt: { exists: true } },
          true,
          'title',
          5,
          2,
          (k) => !!k.deletedAt,
          sortBy('title'),
        ],
        ['not trashed', undefined, false, '-rank', 6, 1, (k) => !k.deletedAt, sortBy('rank', true)],
        [
          'P1 live by parent',
          { parent: { equals: parents.P1 } },
          false,
          'title',
          4,
          2,
          (k) => !k.deletedAt && parentOf(k) === 'P1',
          sortBy('title'),
        ],
        [
          'parent.name P2 any',
          { 'parent.name': { equals: 'P2' } },
          true,
          '-title',
          5,
          1,
          (k) => parentOf(k) === 'P2',
          sortBy('title', true),
        ],
        [
          'tags.name P3 trashed',
          { deletedAt: { exists: true }, 'tags.name': { equals: 'P3' } },
          true,
          'rank',
          3,
          1,
          (k) => !!k.deletedAt && tagNames(k).includes('P3'),
          sortBy('rank'),
        ],
        [
          'parent in P1,P3 live',
          { parent: { in: [parents.P1, parents.P3] } },
          false,
          'title',
          100,
          1,
          (k) => !k.deletedAt && ['P1', 'P3'].includes(parentOf(k) ?? ''),
          sortBy('title'),
        ],
      ]
      for (const [flabel, where, trash, sort, limit, pageNo, keep, order] of finds) {
        const found = await payload.find({
          collection: 'kids',
          depth: 0,
          limit,
          page: pageNo,
          sort,
          trash,
          where: where && JSON.parse(JSON.stringify(where)),
        })
        const counted = await payload.count({
          collection: 'kids',
          trash,
          where: where && JSON.parse(JSON.stringify(where)),
        })
        const expected = page(truth.filter(keep).sort(order).map(title), limit, pageNo)
        const got = {
          docs: found.docs.map((d) => d.title),
          hasNextPage: found.hasNextPage,
          totalDocs: found.totalDocs,
        }
        if (
          JSON.stringify(got) !== JSON.stringify(expected) ||
          counted.totalDocs !== expected.totalDocs
        ) {
          problems[`${rname} find ${flabel}`] = { count: counted.totalDocs, expected, got }
        }
      }
    }
    expect({ label, problems }).toEqual({ label, problems: {} })
  }

  it('seeded: consistent', async () => {
    await check('seed')
  })

  for (let r = 1; r <= ROUNDS; r++) {
    it(`round ${r}: ${OPS} concurrent trash/restore/move/update/delete/create, then consistent`, async () => {
      await round(1000 + r + Number(process.env.REVIEW_SEED ?? 0))
      await check(`round ${r}`)
    })
  }
})
