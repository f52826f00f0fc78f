/**
 * Payload's `compatibility.allowLocalizedWithinLocalized` (a localized field inside a localized
 * group or array keeps its own locales, as in Payload 2): a write splits its nested map per locale
 * as reads and queries do. Before 2026-12-07 (f50be09) the nested `{ en: 'in-en' }` was stored as
 * the text '{"en":"in-en"}', so reads returned it and `lg.inner equals 'in-en'` counted 0.
 */
import type { Config, DatabaseAdapterObj } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'

// Payload's sanitize sets it from the config, process-wide: cleared after this file's tests.
const FLAG = 'NEXT_PUBLIC_PAYLOAD_COMPATIBILITY_allowLocalizedWithinLocalized'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'posts',
      fields: [
        {
          name: 'lg',
          type: 'group',
          fields: [
            { name: 'inner', type: 'text', index: true, localized: true },
            { name: 'other', type: 'text' },
          ],
          localized: true,
        },
        {
          name: 'larr',
          type: 'array',
          fields: [{ name: 'lt', type: 'textarea', localized: true }],
          localized: true,
        },
      ],
    },
  ],
  compatibility: { allowLocalizedWithinLocalized: true },
  db,
  localization: { defaultLocale: 'en', fallback: false, locales: ['en', 'de'] },
  logger: { options: { level: 'warn' } },
  secret: 'localized-within-localized',
  telemetry: false,
})

describe('localized fields within localized ones (compatibility flag)', () => {
  let booted: Booted
  beforeAll(async () => {
    booted = await boot(config, 'dynamodb', THROUGH_INDEXES)
  })
  afterAll(async () => {
    await closeAll(booted)
    delete process.env[FLAG]
  })

  it('are stored per locale, read and counted in each', async () => {
    const { payload } = booted
    const { id } = await payload.create({
      collection: 'posts',
      data: { larr: [{ lt: 'lt-en' }], lg: { inner: 'in-en', other: 'o-en' } },
      locale: 'en',
    })
    await payload.update({
      collection: 'posts',
      data: { larr: [{ lt: 'lt-de' }], lg: { inner: 'in-de', other: 'o-de' } },
      id,
      locale: 'de',
    })
    for (const locale of ['en', 'de'] as const) {
      const doc = await payload.findByID({ collection: 'posts', depth: 0, id, locale })
      expect({
        larr: (doc.larr as { lt: string }[]).map(({ lt }) => lt),
        lg: doc.lg,
      }).toEqual({
        larr: [`lt-${locale}`],
        lg: { inner: `in-${locale}`, other: `o-${locale}` },
      })
      const where = { 'lg.inner': { equals: `in-${locale}` } }
      expect((await payload.count({ collection: 'posts', locale, where })).totalDocs).toBe(1)
      expect((await payload.find({ collection: 'posts', locale, where })).totalDocs).toBe(1)
    }
    const report = await (payload.db as unknown as DynamoDBAdapter).verifyIndexes({
      collection: 'posts',
    })
    expect(report.clean).toBe(true)
  })
})
