/**
 * Many writers in two processes (two Payloads on one table, each holding small collections in
 * memory) run seeded requests at once: updates of an indexed and a unique field, Payload
 * transactions that swap two documents' unique codes, creates that may meet a taken code,
 * deletes, and reads. No reference can say which interleaving happened, so what is checked is
 * what must hold after any of them: every rejection is Payload's (never an SDK or engine
 * error), codes stay unique, every count and query agrees across both writers and a third
 * Payload that holds nothing, and `verifyIndexes` is clean.
 */
import type { Config, DatabaseAdapterObj, Payload, PayloadRequest, Where } from 'payload'

import { randomUUID } from 'node:crypto'
import { commitTransaction, initTransaction, killTransaction } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootOnTable } from '../support/bootPayload.js'
import { seeded, settle } from '../support/workload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'cards',
        fields: [
          { name: 'label', type: 'text', index: true },
          { name: 'code', type: 'text', unique: true },
          { name: 'group', type: 'select', index: true, options: ['a', 'b', 'c'] },
          { name: 'n', type: 'number' },
        ],
      },
    ],
    db,
    secret: 'concurrent-model-secret',
    telemetry: false,
  }
}

const GROUPS = ['a', 'b', 'c']
const CODES = Array.from({ length: 30 }, (_, i) => `k${i}`)
const WORKERS_PER_PROCESS = 3
const REQUESTS_PER_WORKER = 25

type Card = { code?: null | string; group?: null | string; id: number | string; label: string }

async function allCards(payload: Payload): Promise<Card[]> {
  const found = await payload.find({
    collection: 'cards',
    depth: 0,
    pagination: false,
    sort: 'label',
  })
  return found.docs as unknown as Card[]
}

/** One worker's seeded requests against `payload`. */
async function worker(payload: Payload, seed: number, rejections: string[]): Promise<number> {
  const random = seeded(seed)
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!
  let acknowledged = 0
  for (let request = 0; request < REQUESTS_PER_WORKER; request++) {
    const cards = await allCards(payload)
    const roll = random()
    const work = async (): Promise<unknown> => {
      if (roll < 0.35 && cards.length > 0) {
        const data: Partial<Card> = { group: pick(GROUPS) }
        if (random() < 0.4) {
          data.code = random() < 0.2 ? null : pick(CODES)
        }
        return payload.update({ id: pick(cards).id, collection: 'cards', data })
      }
      if (roll < 0.55 && cards.length > 1) {
        // Swap two documents' codes in one Payload transaction, through a code of this worker.
        const first = pick(cards)
        const second = pick(cards.filter((card) => card.id !== first.id))
        const req = { payload } as PayloadRequest
        await initTransaction(req)
        try {
          const read = async (id: number | string) =>
            (await payload.findByID({ id, collection: 'cards', req })) as unknown as Card
          const [a, b] = [await read(first.id), await read(second.id)]
          const update = (id: number | string, code: null | string | undefined) =>
            payload.update({ id, collection: 'cards', data: { code }, req })
          await update(a.id, `temporary-${seed}`)
          await update(b.id, a.code ?? null)
          await update(a.id, b.code ?? null)
          await commitTransaction(req)
        } catch (error) {
          await killTransaction(req)
          throw error
        }
        return
      }
      if (roll < 0.75) {
        return payload.create({
          collection: 'cards',
          data: { code: pick(CODES), group: pick(GROUPS), label: `w${seed}-${request}`, n: 0 },
        })
      }
      if (roll < 0.83 && cards.length > 0) {
        return payload.delete({ id: pick(cards).id, collection: 'cards' })
      }
      const where: Where = { group: { equals: pick(GROUPS) } }
      await payload.find({ collection: 'cards', limit: 5, sort: 'code', where })
      return payload.count({ collection: 'cards', where })
    }
    if ((await settle(work, rejections)).outcome === 'acknowledged') {
      acknowledged++
    }
  }
  return acknowledged
}

describe('concurrent writers in two processes, with transactions that swap unique codes', () => {
  const tableName = `concurrent-model-${randomUUID()}`
  let first: Payload
  let second: Payload
  let holdsNothing: Payload

  beforeAll(async () => {
    first = await bootOnTable(config, tableName)
    second = await bootOnTable(config, tableName)
    holdsNothing = await bootOnTable(config, tableName, { readCache: false })
  })

  afterAll(async () => {
    for (const payload of [first, second, holdsNothing]) {
      await payload?.destroy()
    }
  })

  it('ends with unique codes, equal answers everywhere and clean indexes', async () => {
    for (let i = 0; i < 24; i++) {
      await first.create({
        collection: 'cards',
        data: { code: CODES[i], group: GROUPS[i % 3], label: `seed-${i}`, n: 0 },
      })
    }
    const rejections: string[] = []
    const acknowledged = await Promise.all(
      [first, second].flatMap((payload, process) =>
        Array.from({ length: WORKERS_PER_PROCESS }, (_, index) =>
          worker(payload, 100 * (process + 1) + index, rejections),
        ),
      ),
    )

    // Rejections are Payload's own: taken codes, documents deleted meanwhile, writers that gave up.
    expect(rejections.filter((each) => each.startsWith('NOT-AN-APIERROR'))).toEqual([])
    expect(acknowledged.reduce((sum, each) => sum + each, 0)).toBeGreaterThan(
      WORKERS_PER_PROCESS * 2 * REQUESTS_PER_WORKER * 0.5,
    )

    const stored = await allCards(holdsNothing)
    const codes = stored.flatMap((card) => (card.code ? [card.code] : []))
    expect(new Set(codes).size).toBe(codes.length)
    expect(codes.some((code) => code.startsWith('temporary-'))).toBe(false)

    const shown = (cards: Card[]) => cards.map((card) => `${card.label}|${card.code}|${card.group}`)
    for (const payload of [first, second]) {
      expect(shown(await allCards(payload))).toEqual(shown(stored))
    }
    for (const group of GROUPS) {
      const where: Where = { group: { equals: group } }
      const expected = stored.filter((card) => card.group === group).length
      for (const payload of [first, second, holdsNothing]) {
        expect((await payload.count({ collection: 'cards', where })).totalDocs).toBe(expected)
        const page = await payload.find({ collection: 'cards', limit: 4, sort: 'code', where })
        expect(page.totalDocs).toBe(expected)
      }
    }
    for (const code of codes.slice(0, 5)) {
      await expect(
        first.create({ collection: 'cards', data: { code, label: 'late' } }),
      ).rejects.toThrow()
    }
    expect(
      await (holdsNothing.db as unknown as DynamoDBAdapter).verifyIndexes({ collection: 'cards' }),
    ).toMatchObject({ clean: true })
  })
})
