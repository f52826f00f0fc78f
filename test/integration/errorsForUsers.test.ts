/**
 * Errors as a user sees them, through Payload's REST handler and Local API: a unique value taken
 * by another request between a write's check and its transaction's commit is refused at the
 * commit in the request's language with the field's path, nothing stored (before 2026-12-08 the
 * commit had no translator: English); a number that is not finite is a `ValidationError` naming
 * its field (was an `APIError` without a path); a document too large for DynamoDB names the json
 * field holding most of it, not a key inside its value, and no id for a new document.
 */
import type { CollectionConfig, Config, Payload } from 'payload'

import { de } from '@payloadcms/translations/languages/de'
import { en } from '@payloadcms/translations/languages/en'
import { randomBytes, randomUUID } from 'node:crypto'
import { buildConfig, getPayload, handleEndpoints } from 'payload'

import { testDynamoAdapter } from '../support/bootPayload.js'

const open = { create: () => true, delete: () => true, read: () => true, update: () => true }
// A write waits here in afterChange (its changes staged, not committed) when sent with x-pause.
let gate: null | Promise<void> = null

const things: CollectionConfig = {
  slug: 'things',
  access: open,
  fields: [
    { name: 'title', type: 'text', unique: true },
    { name: 'code', type: 'text', localized: true, unique: true },
    { name: 'n', type: 'number' },
    { name: 'blob', type: 'json' },
  ],
  hooks: {
    afterChange: [
      async ({ req }) => {
        if (gate && req.headers?.get('x-pause') === '1') {
          await gate
        }
      },
    ],
  },
}

let payload: Payload
let key: string

async function rest(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await handleEndpoints({
    config: payload.config,
    payloadInstanceCacheKey: key,
    request: new Request(`http://localhost/api/${path}`, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
      method,
    }),
  })
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the error bodies' shapes, read in the assertions
  return { body: (await response.json()) as Record<string, any>, status: response.status }
}

async function takenMeanwhile(method: string, path: string, data: unknown, taker: unknown) {
  let release!: () => void
  gate = new Promise<void>((resolve) => {
    release = resolve
  })
  const paused = rest(method, path, data, { 'accept-language': 'de', 'x-pause': '1' })
  await new Promise((r) => setTimeout(r, 700))
  const took = await rest('POST', 'things?locale=de', taker)
  release()
  gate = null
  expect(took.status).toBe(201)
  return paused
}

async function caught(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn()
    return { ok: true }
  } catch (error) {
    const e = error as {
      constructor: { name: string }
      data?: { errors?: unknown[] }
      status?: number
    }
    return { class: e.constructor.name, errors: e.data?.errors, status: e.status }
  }
}

describe('errors a user sees', () => {
  beforeAll(async () => {
    const config: Config = {
      collections: [things],
      db: testDynamoAdapter(),
      i18n: { fallbackLanguage: 'en', supportedLanguages: { de, en } },
      localization: { defaultLocale: 'en', locales: ['en', 'de'] },
      logger: { options: { level: 'fatal' } },
      secret: 'errors-for-users',
      telemetry: false,
      typescript: { autoGenerate: false },
    }
    key = `errors-for-users-${randomUUID()}`
    payload = await getPayload({ config: await buildConfig(config), key })
  }, 300_000)

  afterAll(async () => {
    await payload?.destroy()
  })

  test('baseline: a unique value refused before the commit is in the request language', async () => {
    await payload.create({ collection: 'things', data: { title: 'baseline' } })
    const refused = await rest('POST', 'things', { title: 'baseline' }, { 'accept-language': 'de' })
    expect(refused.status).toBe(400)
    expect(refused.body.errors[0].message).toBe('Das folgende Feld ist nicht korrekt: title')
    expect(refused.body.errors[0].data.errors).toEqual([
      { message: 'Wert muss einzigartig sein', path: 'title' },
    ])
  })

  test('a unique value taken meanwhile, refused at the commit: same language and path, nothing stored', async () => {
    const refused = await takenMeanwhile('POST', 'things', { title: 'mw' }, { title: 'mw' })
    expect(refused.status).toBe(400)
    expect(
      (await payload.count({ collection: 'things', where: { title: { equals: 'mw' } } })).totalDocs,
    ).toBe(1)
    expect(refused.body.errors[0].data.errors).toEqual([
      { message: 'Wert muss einzigartig sein', path: 'title' },
    ])
    expect(refused.body.errors[0].message).toBe('Das folgende Feld ist nicht korrekt: title')
  })

  test('a localized unique value taken meanwhile (?locale=de), refused at the commit', async () => {
    const doc = await payload.create({ collection: 'things', data: { n: 1, title: 'loc-owner' } })
    const refused = await takenMeanwhile(
      'PATCH',
      `things/${doc.id}?locale=de`,
      { code: 'lmw', n: 2 },
      { code: 'lmw' },
    )
    expect(refused.status).toBe(400)
    const stored = await payload.findByID({ collection: 'things', id: doc.id, locale: 'de' })
    expect({ code: stored.code ?? null, n: stored.n }).toEqual({ code: null, n: 1 })
    expect(refused.body.errors[0].data.errors).toEqual([
      { message: 'Wert muss einzigartig sein', path: 'code' },
    ])
  })

  test('a number that is not finite (Local API) is a ValidationError naming the field', async () => {
    const outcome = await caught(() =>
      payload.create({ collection: 'things', data: { n: NaN, title: 'nan' } }),
    )
    expect(outcome).toMatchObject({
      class: 'ValidationError',
      errors: [{ path: 'n' }],
      status: 400,
    })
  })

  test('a document too large: the path is the json field (what the admin UI can highlight)', async () => {
    const huge = randomBytes(6_000_000).toString('base64')
    const outcome = await caught(() =>
      payload.create({ collection: 'things', data: { blob: { s: huge } } }),
    )
    expect(outcome).toMatchObject({
      class: 'ValidationError',
      errors: [{ path: 'blob' }],
      status: 400,
    })
  })
})
