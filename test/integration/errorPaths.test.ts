/**
 * A refusal of a stored value names the field as Payload names it in its own errors, so the admin
 * can show it: a `NaN` in a localized number is `ln` (not its locale key `ln.en`), in a draft
 * saved over a document `n` (not `version.n`), in an array row `rows.1.n`; a document too large
 * in a localized group names the group (not `lgrp.en`).
 */
import type { Config, DatabaseAdapterObj } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { boot, closeAll } from '../support/bootPayload.js'
import { refusalOf } from '../support/outcomes.js'

const config = (db: DatabaseAdapterObj): Config => ({
  collections: [
    {
      slug: 'things',
      versions: { drafts: true },
      fields: [
        { name: 'title', type: 'text' },
        { name: 'n', type: 'number' },
        { name: 'ln', type: 'number', localized: true },
        { name: 'rows', type: 'array', fields: [{ name: 'n', type: 'number' }] },
        { name: 'grp', type: 'group', fields: [{ name: 'n', type: 'number' }] },
        { name: 'blob', type: 'json' },
        { name: 'nums', type: 'number', hasMany: true },
        { name: 'lblob', type: 'json', localized: true },
        { name: 'lgrp', type: 'group', localized: true, fields: [{ name: 'big', type: 'json' }] },
      ],
    },
  ],
  db,
  localization: { defaultLocale: 'en', locales: ['en', 'de'] },
  logger: { options: { level: 'warn' } },
  secret: 'error-paths',
  telemetry: false,
})

describe('the paths of refused values', () => {
  let dynamo: Booted
  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb')
  }, 120_000)
  afterAll(() => closeAll(dynamo))

  it('a localized number: the path is the field (as Payload names it), not its locale key', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() => p.create({ collection: 'things', data: { ln: NaN } })),
    ).toMatchObject({
      class: 'ValidationError',
      paths: ['ln'],
    })
  })

  it('a localized json: the path is the field', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() => p.create({ collection: 'things', data: { lblob: { a: NaN } } })),
    ).toMatchObject({
      class: 'ValidationError',
      paths: ['lblob'],
    })
  })

  it('too large in a localized group: the path is a field, not the locale key', async () => {
    const p = dynamo.payload
    const huge = (await import('node:crypto')).randomBytes(6_000_000).toString('base64')
    const outcome = await refusalOf(() =>
      p.create({ collection: 'things', data: { lgrp: { big: { s: huge } } } }),
    )
    expect(outcome).toMatchObject({ class: 'ValidationError' })
    expect((outcome as { paths: string[] }).paths).toEqual(['lgrp'])
  })

  it('a number in an array row: the row is named by its index', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() =>
        p.create({
          collection: 'things',
          data: { rows: [{ n: 1 }, { n: Number.POSITIVE_INFINITY }] },
        }),
      ),
    ).toMatchObject({ class: 'ValidationError', paths: ['rows.1.n'] })
    expect(
      await refusalOf(() => p.create({ collection: 'things', data: { grp: { n: NaN } } })),
    ).toMatchObject({
      class: 'ValidationError',
      paths: ['grp.n'],
    })
  })

  it('an item of a hasMany number: the field, not the item', async () => {
    const p = dynamo.payload
    expect(
      await refusalOf(() => p.db.create({ collection: 'things', data: { nums: [1, NaN] } })),
    ).toMatchObject({ class: 'ValidationError', paths: ['nums'] })
  })

  it('a draft saved over a document: the path is the field, not version.n', async () => {
    const p = dynamo.payload
    const doc = await p.create({ collection: 'things', data: { title: 'd', n: 1 } })
    expect(
      await refusalOf(() =>
        p.update({ collection: 'things', id: doc.id, data: { n: NaN }, draft: true }),
      ),
    ).toMatchObject({ class: 'ValidationError', paths: ['n'] })
  })
})
