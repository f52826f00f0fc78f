/**
 * Refused stored values named as Payload names fields, deeper than errorPaths.test.ts: in block
 * rows (a localized field in a block: no locale key), a localized group whose field is named like
 * a locale, localized and nested arrays, tabs, a global's drafts; a too-large draft or autosave of
 * an existing document names the document (not a new one, not its version) and its fields as
 * Payload names them; a global's repair writes no counter.
 */
import type { Config, DatabaseAdapterObj } from 'payload'

import type { Booted } from '../support/bootPayload.js'
import type { DynamoDBAdapter } from '../../src/index.js'

import { boot, closeAll } from '../support/bootPayload.js'
import { refusalOf } from '../support/outcomes.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'auto',
      versions: { drafts: { autosave: true } },
      fields: [{ name: 'title', type: 'text' }],
    },
    {
      slug: 'things',
      versions: { drafts: true },
      fields: [
        { name: 'title', type: 'text' },
        { name: 'n', type: 'number' },
        {
          name: 'layout',
          type: 'blocks',
          blocks: [
            {
              slug: 'b',
              fields: [
                { name: 'n', type: 'number' },
                { name: 'ln', type: 'number', localized: true },
              ],
            },
          ],
        },
        {
          name: 'llayout',
          type: 'blocks',
          localized: true,
          blocks: [{ slug: 'c', fields: [{ name: 'n', type: 'number' }] }],
        },
        {
          name: 'lg',
          type: 'group',
          localized: true,
          fields: [
            { name: 'en', type: 'number' },
            { name: 'x', type: 'number' },
          ],
        },
        {
          name: 'lrows',
          type: 'array',
          localized: true,
          fields: [{ name: 'n', type: 'number' }],
        },
        {
          name: 'rows',
          type: 'array',
          fields: [
            { name: 'inner', type: 'array', fields: [{ name: 'n', type: 'number' }] },
            { name: 'ln', type: 'number', localized: true },
          ],
        },
        {
          type: 'tabs',
          tabs: [
            { name: 'tab', fields: [{ name: 'n', type: 'number' }] },
            { label: 'unnamed', fields: [{ name: 'un', type: 'number' }] },
          ],
        },
      ],
    },
  ],
  globals: [
    {
      slug: 'settings',
      versions: { drafts: true },
      fields: [
        { name: 'title', type: 'text', index: true },
        { name: 'rows', type: 'array', fields: [{ name: 'n', type: 'number' }] },
        { name: 'ln', type: 'number', localized: true },
      ],
    },
  ],
  db,
  localization: { defaultLocale: 'en', locales: ['en', 'de'] },
  logger: { options: { level: 'warn' } },
  secret: 'error-paths-nested',
  telemetry: false,
})

describe('the paths of refused values, nested', () => {
  let dynamo: Booted
  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb')
  }, 120_000)
  afterAll(() => closeAll(dynamo))

  it('a non-localized number in a block row', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() =>
        p.create({ collection: 'things', data: { layout: [{ blockType: 'b', n: NaN }] } as never }),
      ),
    ).toMatchObject({ class: 'ValidationError', paths: ['layout.0.n'] })
  })

  it('a localized number in a block row: no locale key', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() =>
        p.create({
          collection: 'things',
          data: { layout: [{ blockType: 'b', ln: NaN }] } as never,
        }),
      ),
    ).toMatchObject({ class: 'ValidationError', paths: ['layout.0.ln'] })
  })

  it('a number in a localized blocks field', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() =>
        p.create({
          collection: 'things',
          data: { llayout: [{ blockType: 'c', n: NaN }] } as never,
        }),
      ),
    ).toMatchObject({ class: 'ValidationError', paths: ['llayout.0.n'] })
  })

  it('a localized group whose field is named like a locale (en)', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() => p.create({ collection: 'things', data: { lg: { en: NaN } } as never })),
    ).toMatchObject({ class: 'ValidationError', paths: ['lg.en'] })
  })

  it('a localized group with a field named en: another field of it', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() => p.create({ collection: 'things', data: { lg: { x: NaN } } as never })),
    ).toMatchObject({ class: 'ValidationError', paths: ['lg.x'] })
  })

  it('a localized array; a nested array; a localized field in a row; tabs', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() =>
        p.create({ collection: 'things', data: { lrows: [{ n: 1 }, { n: NaN }] } as never }),
      ),
    ).toMatchObject({ paths: ['lrows.1.n'] })
    expect(
      await refusalOf(() =>
        p.create({
          collection: 'things',
          data: { rows: [{ inner: [{ n: 1 }, { n: NaN }] }] } as never,
        }),
      ),
    ).toMatchObject({ paths: ['rows.0.inner.1.n'] })
    expect(
      await refusalOf(() =>
        p.create({ collection: 'things', data: { rows: [{ ln: NaN }] } as never }),
      ),
    ).toMatchObject({ paths: ['rows.0.ln'] })
    expect(
      await refusalOf(() => p.create({ collection: 'things', data: { tab: { n: NaN } } as never })),
    ).toMatchObject({ paths: ['tab.n'] })
    expect(
      await refusalOf(() => p.create({ collection: 'things', data: { un: NaN } as never })),
    ).toMatchObject({ paths: ['un'] })
  })

  it("a global's draft: no version group, no locale", async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() =>
        p.updateGlobal({ slug: 'settings', data: { rows: [{ n: NaN }] } as never, draft: true }),
      ),
    ).toMatchObject({ class: 'ValidationError', paths: ['rows.0.n'] })
    expect(
      await refusalOf(() =>
        p.updateGlobal({ slug: 'settings', data: { ln: NaN } as never, draft: true }),
      ),
    ).toMatchObject({ class: 'ValidationError', paths: ['ln'] })
  })

  it('too large: a draft saved over an existing document keeps its id in the error', async () => {
    const p = dynamo.payload
    const doc = await p.create({ collection: 'things', data: { title: 'big' } })
    const huge = (await import('node:crypto')).randomBytes(6_000_000).toString('base64')
    const outcome = await refusalOf(() =>
      p.update({
        collection: 'things',
        id: doc.id,
        data: { tab: { n: 1 }, title: huge } as never,
        draft: true,
      }),
    )
    expect(outcome).toMatchObject({ class: 'ValidationError', paths: ['title'] })
    // The user edits document doc.id: the error names it (an update's does, via `existing`).
    expect((outcome as { first: string }).first).toContain(String(doc.id))
    expect((outcome as { id: unknown }).id).toBe(doc.id)
  })

  it('too large: an autosave over an existing document names the document, not its version', async () => {
    const p = dynamo.payload
    const doc = await p.create({ collection: 'auto', data: { title: 'small' } })
    await p.update({
      collection: 'auto',
      id: doc.id,
      data: { title: 'small 2' },
      draft: true,
      autosave: true,
    })
    const huge = (await import('node:crypto')).randomBytes(6_000_000).toString('base64')
    const outcome = await refusalOf(() =>
      p.update({
        collection: 'auto',
        id: doc.id,
        data: { title: huge },
        draft: true,
        autosave: true,
      }),
    )
    expect(outcome).toMatchObject({ class: 'ValidationError', paths: ['title'] })
    expect((outcome as { first: string }).first).toContain(String(doc.id))
    expect((outcome as { first: string }).first).not.toContain('version.title')
  })

  it('repairIndexes of a global document (not versions) writes no counter and reports nothing', async () => {
    const p = dynamo.payload
    const db = p.db as unknown as DynamoDBAdapter
    await p.updateGlobal({ slug: 'settings', data: { title: 'one' } })
    await p.updateGlobal({ slug: 'settings', data: { title: 'two' } })
    expect((await db.verifyIndexes({ global: 'settings' })).clean).toBe(true)
    const report = await db.repairIndexes({ global: 'settings' })
    expect(report.counter).toBeUndefined()
    expect(report.counterUnsettled).toBe(false)
    expect((await db.verifyIndexes({ global: 'settings', versions: true })).clean).toBe(true)
    const vr = await db.repairIndexes({ global: 'settings', versions: true })
    expect(vr.counter).toBeUndefined()
    expect((await db.verifyIndexes({ global: 'settings', versions: true })).clean).toBe(true)
  })
})
