/**
 * A localized list (array, blocks, hasMany) saved empty in one locale: db-sqlite keeps no rows for
 * it, so it reads as absent and Payload falls back to the fallback locale (Payload's `localization`
 * suite, "should allow optional fallback data"). This adapter must read it the same way.
 */
import type { Config, DatabaseAdapterObj } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { bootBoth, closeAll } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'pages',
        fields: [
          { name: 'title', type: 'text', localized: true },
          {
            name: 'items',
            type: 'array',
            localized: true,
            fields: [{ name: 'text', type: 'text' }],
          },
          {
            name: 'layout',
            type: 'blocks',
            localized: true,
            blocks: [{ slug: 'hero', fields: [{ name: 'heading', type: 'text' }] }],
          },
          { name: 'tags', type: 'text', hasMany: true, localized: true },
          {
            name: 'meta',
            type: 'group',
            fields: [
              {
                name: 'links',
                type: 'array',
                localized: true,
                fields: [{ name: 'url', type: 'text' }],
              },
            ],
          },
        ],
      },
      {
        slug: 'counts',
        fields: [{ name: 'numbers', type: 'number', hasMany: true, localized: true }],
      },
    ],
    db,
    localization: { defaultLocale: 'en', fallback: true, locales: ['en', 'es', 'de'] },
    secret: 'test-secret-for-payload-db-dynamodb',
    telemetry: false,
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents of a test config without generated types
type AnyDoc = Record<string, any>

/** A document without what differs between the databases by design (ids, timestamps, blockName: null). */
function comparable(doc: unknown): unknown {
  if (Array.isArray(doc)) {
    return doc.map(comparable)
  }
  if (doc && typeof doc === 'object') {
    return Object.fromEntries(
      Object.entries(doc)
        .filter(([key, value]) => !['createdAt', 'id', 'updatedAt'].includes(key) && value !== null)
        .map(([key, value]) => [key, comparable(value)]),
    )
  }
  return doc
}

describe('a localized list saved empty in one locale', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config)
  })

  afterAll(() => closeAll(dynamo, sqlite))

  /** Saves the lists in English, empties them in Spanish, and reads the document back every way. */
  async function readBack({ payload }: Booted): Promise<AnyDoc> {
    const english = await payload.create({
      collection: 'pages',
      data: {
        items: [{ text: 'english item' }],
        layout: [{ blockType: 'hero', heading: 'english hero' }],
        meta: { links: [{ url: 'https://example.com/en' }] },
        tags: ['english'],
        title: 'english',
      },
      locale: 'en',
    })
    await payload.update({
      id: english.id,
      collection: 'pages',
      data: { items: [], layout: [], meta: { links: [] }, tags: [] },
      locale: 'es',
    })
    const read = (args: AnyDoc) =>
      payload.findByID({ id: english.id, collection: 'pages', depth: 0, ...args })
    return {
      all: await read({ locale: 'all' }),
      found: await payload.find({ collection: 'pages', locale: 'es' }),
      spanish: await read({ locale: 'es' }),
      spanishWithoutFallback: await read({ fallbackLocale: false, locale: 'es' }),
    }
  }

  it('falls back to the fallback locale, and reads as db-sqlite reads it', async () => {
    const [actual, expected] = await Promise.all([readBack(dynamo), readBack(sqlite)])
    expect(actual.spanish.items).toEqual([{ id: expect.any(String), text: 'english item' }])
    expect(actual.spanish.layout).toMatchObject([{ blockType: 'hero', heading: 'english hero' }])
    expect(actual.spanish.tags).toEqual(['english'])
    expect(actual.spanish.meta.links).toMatchObject([{ url: 'https://example.com/en' }])
    expect(actual.all.items).toEqual({ en: [{ id: expect.any(String), text: 'english item' }] })
    expect(comparable(actual)).toEqual(comparable(expected))
  })

  it('reads a list emptied in the only locale that had items as [] (nothing to fall back to)', async () => {
    const read = async ({ payload }: Booted) => {
      const doc = await payload.create({ collection: 'counts', data: { numbers: [1, 2, 3] } })
      await payload.update({ id: doc.id, collection: 'counts', data: { numbers: [] } })
      const found = await payload.findByID({ id: doc.id, collection: 'counts' })
      return found.numbers
    }
    const [actual, expected] = await Promise.all([read(dynamo), read(sqlite)])
    expect(actual).toEqual([])
    expect(actual).toEqual(expected)
  })
})
