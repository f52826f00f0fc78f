/**
 * Payload transactions against a reference: the same seeded requests (each a Payload transaction
 * of creates, updates, deletes, bulk updates and reads, committed or killed, some meeting taken
 * unique values or an afterChange hook that throws) run on this adapter and on db-sqlite with its
 * transactions on. Every operation's outcome, every read inside a transaction and the stored
 * state after each request must be the same, and `verifyIndexes` clean at the end; also when a
 * proxy drops connections, returns 500s and throttling and loses answers (the SDK's retries and
 * the adapter's write ids hide them).
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest, Where } from 'payload'

import { commitTransaction, initTransaction, killTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import type { FaultProxy } from '../support/faultProxy.js'

import { boot, type Booted, closeAll } from '../support/bootPayload.js'
import { startFaultProxy } from '../support/faultProxy.js'
import { outcome } from '../support/modelSteps.js'
import { seeded } from '../support/workload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'things',
        fields: [
          // Unique per created document: names it across adapters (ids differ).
          { name: 'label', type: 'text', index: true },
          { name: 'code', type: 'text', unique: true },
          { name: 'group', type: 'select', index: true, options: ['a', 'b', 'c'] },
          { name: 'n', type: 'number', index: true },
        ],
        hooks: {
          // A hook that fails after the write (n = 13 is drawn now and then): Payload kills the
          // transaction, and the write must not be stored.
          afterChange: [
            ({ doc }) => {
              if ((doc as { n?: number }).n === 13) {
                throw new Error('afterChange failed on purpose')
              }
            },
          ],
        },
      },
    ],
    db,
    secret: 'transaction-model-secret',
    telemetry: false,
  }
}

const CODES = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']
const GROUPS = ['a', 'b', 'c']
const REQUESTS = 60

type Thing = {
  code?: null | string
  group?: null | string
  id: number | string
  label: string
  n?: null | number
}
type Lane = { ids: Map<string, number | string>; payload: Payload }
type Step = { describe: string; run: (lane: Lane, req: PayloadRequest) => Promise<string> }

const show = (doc: Thing) => `${doc.label}|${doc.code ?? '-'}|${doc.group ?? '-'}|${doc.n ?? '-'}`

/** The stored state, comparable across adapters. */
async function state(payload: Payload): Promise<string[]> {
  const all = await payload.find({
    collection: 'things',
    depth: 0,
    pagination: false,
    sort: 'label',
  })
  const counts = await Promise.all(
    GROUPS.map(
      async (group) =>
        `${group}=${(await payload.count({ collection: 'things', where: { group: { equals: group } } })).totalDocs}`,
    ),
  )
  return [...(all.docs as unknown as Thing[]).map(show), counts.join(' ')]
}

/** One request's steps, drawn from `random` over the labels stored before it. */
function drawSteps(random: () => number, labels: string[], next: () => string): Step[] {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!
  const maybeCode = () => (random() < 0.25 ? null : pick(CODES))
  const steps: Step[] = []
  const created: string[] = []
  const known = () => [...labels, ...created]
  const count = 1 + Math.floor(random() * 5)
  for (let i = 0; i < count; i++) {
    const roll = random()
    if (roll < 0.35 || known().length === 0) {
      const data = {
        code: maybeCode(),
        group: pick(GROUPS),
        label: next(),
        n: Math.floor(random() * 20),
      }
      created.push(data.label)
      steps.push({
        describe: `create ${JSON.stringify(data)}`,
        run: async (lane, req) => {
          const doc = (await lane.payload.create({
            collection: 'things',
            data,
            req,
          })) as unknown as Thing
          lane.ids.set(doc.label, doc.id)
          return show(doc)
        },
      })
    } else if (roll < 0.65) {
      const label = pick(known())
      const data: Partial<Thing> = {}
      if (random() < 0.6) {
        data.code = maybeCode()
      }
      if (random() < 0.5) {
        data.group = pick(GROUPS)
      }
      if (random() < 0.5 || Object.keys(data).length === 0) {
        data.n = Math.floor(random() * 20)
      }
      steps.push({
        describe: `update ${label} ${JSON.stringify(data)}`,
        run: async (lane, req) =>
          show(
            (await lane.payload.update({
              id: lane.ids.get(label)!,
              collection: 'things',
              data,
              req,
            })) as unknown as Thing,
          ),
      })
    } else if (roll < 0.7 && known().length >= 2) {
      // Two documents exchange their codes through a free one (what an editor renaming slugs does).
      const first = pick(known())
      const second = pick(known().filter((label) => label !== first))
      steps.push({
        describe: `swap codes of ${first} and ${second}`,
        run: async (lane, req) => {
          const read = async (label: string) =>
            (await lane.payload.findByID({
              id: lane.ids.get(label)!,
              collection: 'things',
              req,
            })) as unknown as Thing
          const [a, b] = [await read(first), await read(second)]
          const update = (label: string, code: null | string | undefined) =>
            lane.payload.update({
              id: lane.ids.get(label)!,
              collection: 'things',
              data: { code },
              req,
            })
          await update(first, 'swap-temporary')
          await update(second, a.code ?? null)
          await update(first, b.code ?? null)
          return `${a.code ?? '-'} <-> ${b.code ?? '-'}`
        },
      })
    } else if (roll < 0.77) {
      const label = pick(known())
      steps.push({
        describe: `delete ${label}`,
        run: async (lane, req) =>
          show(
            (await lane.payload.delete({
              id: lane.ids.get(label)!,
              collection: 'things',
              req,
            })) as unknown as Thing,
          ),
      })
    } else if (roll < 0.84) {
      const where: Where = { group: { equals: pick(GROUPS) } }
      const n = Math.floor(random() * 20)
      steps.push({
        describe: `update where ${JSON.stringify(where)} n=${n}`,
        run: async (lane, req) => {
          const result = await lane.payload.update({
            collection: 'things',
            data: { n },
            req,
            where,
          })
          return `${result.docs.length} updated, ${result.errors.length} errors`
        },
      })
    } else {
      const where: Where =
        random() < 0.5
          ? { group: { equals: pick(GROUPS) } }
          : { n: { greater_than_equal: Math.floor(random() * 20) } }
      steps.push({
        describe: `find ${JSON.stringify(where)}`,
        run: async (lane, req) => {
          const found = await lane.payload.find({
            collection: 'things',
            depth: 0,
            limit: 3,
            req,
            sort: ['-n', 'label'],
            where,
          })
          const counted = await lane.payload.count({ collection: 'things', req, where })
          return `${found.totalDocs}/${counted.totalDocs}: ${(found.docs as unknown as Thing[]).map(show).join(', ')}`
        },
      })
    }
  }
  return steps
}

/** Plays the seeded requests on both, stopping at the first difference. */
async function playModel(dynamo: Payload, sqlite: Payload, seed: number) {
  const lanes: Lane[] = [dynamo, sqlite].map((payload) => ({ ids: new Map(), payload }))
  const random = seeded(seed)
  let serial = 0
  const next = () => `t${String(++serial).padStart(3, '0')}`
  const differences: string[] = []
  let failures = 0
  let hookFailures = 0
  for (let request = 0; request < REQUESTS; request++) {
    const labels = (await state(sqlite)).slice(0, -1).map((line) => line.split('|')[0]!)
    const steps = drawSteps(random, labels, next)
    const commit = random() < 0.8
    const transcripts: string[][] = []
    for (const lane of lanes) {
      const req = { payload: lane.payload } as PayloadRequest
      await initTransaction(req)
      const transcript: string[] = []
      for (const step of steps) {
        transcript.push(`${step.describe} -> ${await outcome(() => step.run(lane, req))}`)
      }
      transcript.push(
        `${commit ? 'commit' : 'kill'} -> ${await outcome(async () => {
          await (commit ? commitTransaction(req) : killTransaction(req))
          return ''
        })}`,
      )
      transcripts.push([...transcript, ...(await state(lane.payload))])
    }
    failures += transcripts[1]!.filter((line) => line.includes('-> ValidationError')).length
    hookFailures += transcripts[1]!.filter((line) => line.includes('-> error Error')).length
    const [ours, theirs] = transcripts as [string[], string[]]
    if (ours.join('\n') !== theirs.join('\n')) {
      differences.push(
        `request ${request}:\n  dynamodb: ${ours.join('\n            ')}\n  sqlite:   ${theirs.join('\n            ')}`,
      )
      break
    }
  }
  return { differences, failures, hookFailures }
}

describe('Payload transactions, step by step against db-sqlite with transactions', () => {
  const seed = Number(process.env.MODEL_SEED ?? 20261203)
  const booted: Booted[] = []
  let sqlite: Booted
  let proxy: FaultProxy | undefined

  // One db-sqlite for both runs, emptied in between (db-sqlite pushes a schema once per process).
  beforeAll(async () => {
    sqlite = await boot(config, 'sqlite', {}, { transactions: true })
    booted.push(sqlite)
  })

  afterAll(async () => {
    await closeAll(...booted)
    await proxy?.close()
  })

  it(`${REQUESTS} seeded requests: every outcome, every read and every state equal`, async () => {
    const dynamo = await boot(config, 'dynamodb')
    booted.push(dynamo)
    const { differences, failures, hookFailures } = await playModel(
      dynamo.payload,
      sqlite.payload,
      seed,
    )
    expect(differences).toEqual([])
    // The draw meets taken unique values and the throwing hook: failure paths are compared too.
    expect(failures).toBeGreaterThan(3)
    expect(hookFailures).toBeGreaterThan(0)
    expect(
      await (dynamo.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
        collection: 'things',
      }),
    ).toMatchObject({ clean: true })
  })

  it('the same requests through dropped connections, throttling, 500s and lost answers: still equal', async () => {
    proxy = await startFaultProxy({
      // Throttling is retried after about a second (the SDK's back-off), so it is the rarest.
      // Drawn often: reads under read leases send no request, so the requests left are mostly
      // the writes (where a lost answer matters) and fewer in all.
      rates: { drop: 0.06, lostResponse: 0.08, serverError: 0.05, throttle: 0.01 },
      seed,
    })
    const dynamo = await boot(config, 'dynamodb', { clientConfig: proxy.clientConfig() })
    booted.push(dynamo)
    await sqlite.payload.delete({ collection: 'things', where: { id: { exists: true } } })
    proxy.resetCounts()
    const { differences } = await playModel(dynamo.payload, sqlite.payload, seed)
    const counts = proxy.counts()
    proxy.configure({})
    expect(differences).toEqual([])
    expect(counts.lostResponse).toBeGreaterThan(5)
    expect(counts.drop + counts.serverError + counts.throttle).toBeGreaterThan(12)
    expect(
      await (dynamo.payload.db as unknown as DynamoDBAdapter).verifyIndexes({
        collection: 'things',
      }),
    ).toMatchObject({ clean: true })
  })
})
