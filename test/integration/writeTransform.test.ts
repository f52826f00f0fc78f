/**
 * The field-aware write transform: what is stored (and so read back) for create, update, upsert,
 * globals and versions, checked against db-sqlite where the answer is data and directly where it
 * is behaviour (unknown keys dropped, invalid relationships rejected, atomic operators).
 */
import type { CollectionConfig, Config, DatabaseAdapterObj, GlobalConfig, Payload } from 'payload'

import { ValidationError } from 'payload'

import type { Booted } from '../support/bootPayload.js'

import { boot } from '../support/bootPayload.js'

// buildConfig mutates what it is given: every boot gets fresh config objects.
const collections = (): CollectionConfig[] => [
  { slug: 'users', auth: true, fields: [{ name: 'name', type: 'text' }] },
  { slug: 'plain', timestamps: false, fields: [{ name: 'title', type: 'text' }] },
  {
    slug: 'pages',
    fields: [
      {
        name: 'seo',
        type: 'group',
        localized: true,
        fields: [
          { name: 'heading', type: 'text' },
          { name: 'keywords', type: 'text', hasMany: true },
          { name: 'links', type: 'array', fields: [{ name: 'url', type: 'text' }] },
        ],
      },
      // Rows of blocks defined once in the config and referenced by slug.
      { name: 'sections', type: 'blocks', blockReferences: ['quote'], blocks: [] },
    ],
  },
  { slug: 'targets', fields: [{ name: 'label', type: 'text' }] },
  {
    slug: 'numbered',
    fields: [
      { name: 'id', type: 'number' },
      { name: 'label', type: 'text' },
    ],
  },
  {
    slug: 'things',
    versions: { drafts: true },
    fields: [
      { name: 'title', type: 'text' },
      { name: 'code', type: 'text' },
      { name: 'count', type: 'number' },
      { name: 'numbers', type: 'number', hasMany: true },
      { name: 'words', type: 'text', hasMany: true },
      { name: 'when', type: 'date' },
      { name: 'flag', type: 'checkbox' },
      { name: 'place', type: 'point' },
      { name: 'data', type: 'json' },
      { name: 'localText', type: 'text', localized: true },
      { name: 'localNumbers', type: 'number', hasMany: true, localized: true },
      { name: 'target', type: 'relationship', relationTo: 'targets' },
      { name: 'targetsMany', type: 'relationship', relationTo: 'targets', hasMany: true },
      { name: 'poly', type: 'relationship', relationTo: ['targets', 'numbered'] },
      {
        name: 'polyMany',
        type: 'relationship',
        relationTo: ['targets', 'numbered'],
        hasMany: true,
      },
      { name: 'numberedOne', type: 'relationship', relationTo: 'numbered' },
      { name: 'computed', type: 'text', virtual: true },
      {
        type: 'row',
        fields: [
          { name: 'inRow', type: 'text', virtual: true },
          { name: 'keptInRow', type: 'text' },
        ],
      },
      {
        type: 'tabs',
        tabs: [
          { label: 'Unnamed', fields: [{ name: 'inTab', type: 'text', virtual: true }] },
          {
            name: 'named',
            fields: [
              { name: 'amount', type: 'number' },
              { name: 'hidden', type: 'text', virtual: true },
            ],
          },
        ],
      },
      {
        name: 'meta',
        type: 'group',
        fields: [
          { name: 'score', type: 'number' },
          { name: 'nested', type: 'group', fields: [{ name: 'at', type: 'date' }] },
        ],
      },
      {
        name: 'rows',
        type: 'array',
        fields: [
          { name: 'label', type: 'text' },
          { name: 'qty', type: 'number' },
          { name: 'ghost', type: 'text', virtual: true },
        ],
      },
      {
        name: 'layout',
        type: 'blocks',
        blocks: [
          {
            slug: 'hero',
            fields: [
              { name: 'heading', type: 'text' },
              { name: 'size', type: 'number' },
              { name: 'ghost', type: 'text', virtual: true },
            ],
          },
        ],
      },
    ],
  },
  {
    slug: 'shapes',
    versions: true,
    fields: [
      { name: 'title', type: 'text' },
      { name: 'choices', type: 'select', hasMany: true, options: ['a', 'b'] },
      { name: 'tags', type: 'relationship', hasMany: true, relationTo: 'targets' },
    ],
  },
  {
    slug: 'defaults',
    fields: [
      { name: 'title', type: 'text' },
      { name: 'text', type: 'text', defaultValue: 'fallback' },
      { name: 'fn', type: 'text', defaultValue: () => 'from a function' },
      { name: 'choice', type: 'select', defaultValue: 'b', options: ['a', 'b'] },
      { name: 'place', type: 'point', defaultValue: [1, 2] },
      {
        name: 'group',
        type: 'group',
        fields: [{ name: 'inner', type: 'number', defaultValue: 5 }],
      },
      {
        name: 'rows',
        type: 'array',
        defaultValue: [{}],
        fields: [{ name: 'inner', type: 'text', defaultValue: 'row' }],
      },
    ],
  },
]

const globals = (): GlobalConfig[] => [
  {
    slug: 'settings',
    versions: true,
    fields: [
      { name: 'siteName', type: 'text' },
      { name: 'limit', type: 'number' },
      { name: 'ghost', type: 'text', virtual: true },
    ],
  },
]

function config(db: DatabaseAdapterObj): Config {
  return {
    blocks: [
      {
        slug: 'quote',
        fields: [
          { name: 'said', type: 'text' },
          { name: 'words', type: 'text', hasMany: true },
          { name: 'lines', type: 'array', fields: [{ name: 'line', type: 'text' }] },
        ],
      },
    ],
    collections: collections(),
    db,
    globals: globals(),
    localization: { defaultLocale: 'en', locales: ['en', 'es'] },
    secret: 'test-secret-for-payload-db-dynamodb',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- documents of a test config without generated types
type AnyDoc = Record<string, any>

/** What both databases must agree on: the stored fields of a document, without ids, timestamps and empty values. */
function comparable(doc: AnyDoc): AnyDoc {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      return value.map(strip)
    }
    if (value && typeof value === 'object') {
      const out: AnyDoc = {}
      for (const [key, entry] of Object.entries(value)) {
        const empty =
          entry === null || entry === undefined || (Array.isArray(entry) && entry.length === 0)
        if (!['createdAt', 'id', 'updatedAt'].includes(key) && !empty) {
          out[key] = strip(entry)
        }
      }
      return out
    }
    return value
  }
  return strip(doc) as AnyDoc
}

describe('write transform', () => {
  let dynamo: Booted
  let sqlite: Booted
  let payload: Payload

  beforeAll(async () => {
    ;[dynamo, sqlite] = await Promise.all([boot(config, 'dynamodb'), boot(config, 'sqlite')])
    payload = dynamo.payload
  })

  afterAll(async () => {
    await Promise.all([dynamo?.close(), sqlite?.close()])
  })

  it('stores no timestamps for a collection without them, even when the data has some', async () => {
    const date = '2021-01-01T00:00:00.000Z'
    const created: AnyDoc = await payload.db.create({
      collection: 'plain',
      data: { createdAt: date, title: 'a', updatedAt: date },
    })
    expect(created.createdAt).toBeUndefined()
    expect(created.updatedAt).toBeUndefined()
    const updated: AnyDoc = await payload.db.updateOne({
      id: created.id,
      collection: 'plain',
      data: { createdAt: date, title: 'b', updatedAt: date },
    })
    expect(updated).toEqual({ id: created.id, title: 'b' })
    const viaLocal: AnyDoc = await payload.update({
      id: created.id,
      collection: 'plain',
      data: { title: 'c' },
    })
    expect(Object.keys(viaLocal).sort()).toEqual(['id', 'title'])
  })

  it('never stores keys the config does not declare (password, confirm-password)', async () => {
    const created: AnyDoc = await payload.db.create({
      collection: 'users',
      data: { 'confirm-password': 'pw', email: 'a@example.com', password: 'pw', somethingElse: 1 },
    })
    for (const key of ['password', 'confirm-password', 'somethingElse']) {
      expect(Object.keys(created)).not.toContain(key)
    }
    const found: AnyDoc = (await payload.db.findOne({
      collection: 'users',
      where: { id: { equals: created.id } },
    }))!
    expect(found.email).toBe('a@example.com')
    expect(Object.keys(found)).not.toContain('password')
    expect(Object.keys(found)).not.toContain('confirm-password')

    const local = await payload.create({
      collection: 'users',
      data: { email: 'b@example.com', password: 'a-long-enough-password-1' },
    })
    const stored: AnyDoc = (await payload.db.findOne({
      collection: 'users',
      where: { id: { equals: local.id } },
    }))!
    expect(Object.keys(stored)).not.toContain('password')
    // The auth fields Payload declares itself are kept: login still works.
    await expect(
      payload.login({
        collection: 'users',
        data: { email: 'b@example.com', password: 'a-long-enough-password-1' },
      }),
    ).resolves.toMatchObject({
      user: { email: 'b@example.com' },
    })
  })

  it('drops virtual fields: top level, inside rows, tabs, named tabs, arrays and blocks', async () => {
    const created = await payload.db.create({
      collection: 'things',
      data: {
        computed: 'x',
        inRow: 'x',
        inTab: 'x',
        keptInRow: 'kept',
        layout: [{ id: 'b1', blockName: 'first', blockType: 'hero', ghost: 'x', heading: 'hi' }],
        named: { amount: 3, hidden: 'x' },
        rows: [{ id: 'r1', ghost: 'x', label: 'one' }],
      },
    })
    const stored: AnyDoc = (await payload.db.findOne({
      collection: 'things',
      where: { id: { equals: created.id } },
    }))!
    expect(stored.computed).toBeUndefined()
    expect(stored.inRow).toBeUndefined()
    expect(stored.inTab).toBeUndefined()
    expect(stored.keptInRow).toBe('kept')
    expect(stored.named).toEqual({ amount: 3 })
    expect(stored.rows).toEqual([{ id: 'r1', label: 'one' }])
    expect(stored.layout).toEqual([
      { id: 'b1', blockName: 'first', blockType: 'hero', heading: 'hi' },
    ])
  })

  it('coerces values to their field types, like db-sqlite', async () => {
    const data = {
      code: 12,
      count: '42',
      flag: true,
      layout: [{ id: 'b1', blockType: 'hero', heading: 7, size: '3' }],
      localNumbers: { en: ['1', '2'], es: ['3'] },
      localText: { en: 5, es: 'cinco' },
      meta: { nested: { at: 1706933106000 }, score: '9.5' },
      named: { amount: '11' },
      numbers: ['10', '20', 30],
      rows: [{ id: 'r1', label: 1, qty: '2' }],
      title: 'coerce',
      when: 1705314600000,
      words: [1, 'two'],
    }
    const [actual, expected]: AnyDoc[] = await Promise.all([
      dynamo.payload.db.create({ collection: 'things', data: structuredClone(data) }),
      sqlite.payload.db.create({ collection: 'things', data: structuredClone(data) }),
    ])
    expect(actual.code).toBe('12')
    expect(actual.count).toBe(42)
    expect(actual.numbers).toEqual([10, 20, 30])
    expect(actual.words).toEqual(['1', 'two'])
    expect(actual.when).toBe('2024-01-15T10:30:00.000Z')
    expect(actual.meta).toEqual({ nested: { at: '2024-02-03T04:05:06.000Z' }, score: 9.5 })
    expect(actual.localText).toEqual({ en: '5', es: 'cinco' })
    expect(actual.localNumbers).toEqual({ en: [1, 2], es: [3] })

    // What Payload reads back is the same on both databases.
    const [readDynamo, readSqlite] = await Promise.all([
      dynamo.payload.findByID({ id: actual.id, collection: 'things', depth: 0, locale: 'all' }),
      sqlite.payload.findByID({ id: expected.id, collection: 'things', depth: 0, locale: 'all' }),
    ])
    // db-sqlite reads a number stored in a hasMany text field back as "1.0" (SQLite's REAL affinity).
    const { words: dynamoWords, ...dynamoRest } = comparable(readDynamo)
    const { words: _sqliteWords, ...sqliteRest } = comparable(readSqlite)
    expect(dynamoWords).toEqual(['1', 'two'])
    expect(dynamoRest).toEqual(sqliteRest)
  })

  it('stores dates given as Date objects as ISO strings, also nested and through the Local API', async () => {
    const direct: AnyDoc = await payload.db.create({
      collection: 'things',
      data: {
        meta: { nested: { at: new Date('2024-02-03T04:05:06.000Z') } },
        rows: [{ id: 'r', label: 'x' }],
      },
    })
    expect(direct.meta.nested.at).toBe('2024-02-03T04:05:06.000Z')
    const created = await payload.create({
      collection: 'things',
      data: { when: new Date('2024-01-15T10:30:00.000Z') as never },
    })
    expect(created.when).toBe('2024-01-15T10:30:00.000Z')
    expect((await payload.findByID({ id: created.id, collection: 'things' })).when).toBe(
      '2024-01-15T10:30:00.000Z',
    )
  })

  it('stores dates given as other strings in ISO form, as db-sqlite returns them', async () => {
    for (const given of ['2024-05-12', '2024-05-12T12:00:00+02:00', 'May 12, 2024 10:00 UTC']) {
      const [ours, theirs] = await Promise.all(
        [dynamo, sqlite].map(async ({ payload: each }) => {
          const created = await each.create({
            collection: 'things',
            data: { meta: { nested: { at: given } }, when: given },
          })
          const read = await each.findByID({ id: created.id, collection: 'things' })
          return [created.when, read.when, read.meta?.nested?.at]
        }),
      )
      expect(ours).toEqual(theirs)
      expect(ours[1]).toBe(new Date(Date.parse(given)).toISOString())
    }
  })

  it('stores json holding keys named like update operators as given, on update too', async () => {
    const data = { rules: { $inc: 5 }, steps: { $push: [1] }, top: 1 }
    const [ours, theirs] = await Promise.all(
      [dynamo, sqlite].map(async ({ payload: each }) => {
        const created = await each.create({
          collection: 'things',
          data: { data: { kept: true, rules: 1 } },
        })
        await each.update({ id: created.id, collection: 'things', data: { data } })
        return (await each.findByID({ id: created.id, collection: 'things' })).data
      }),
    )
    expect(ours).toEqual(theirs)
    expect(ours).toEqual(data)
  })

  it('reads the lists never written inside a localized group as db-sqlite does', async () => {
    const [ours, theirs] = await Promise.all(
      [dynamo, sqlite].map(async ({ payload: each }) => {
        const created = await each.create({
          collection: 'pages',
          data: { seo: { heading: 'Title' } },
        })
        const read = await each.findByID({ id: created.id, collection: 'pages' })
        const all = await each.findByID({ id: created.id, collection: 'pages', locale: 'all' })
        return { all: all.seo, read: read.seo }
      }),
    )
    expect(ours.read).toEqual(theirs.read)
    expect(ours.read).toMatchObject({ heading: 'Title', keywords: [], links: [] })
    expect(ours.all).toEqual(theirs.all)
  })

  it('reads the lists never written inside referenced block rows, and selects in them, as db-sqlite does', async () => {
    const [ours, theirs] = await Promise.all(
      [dynamo, sqlite].map(async ({ payload: each }) => {
        const created = await each.create({
          collection: 'pages',
          data: { sections: [{ blockType: 'quote', said: 'Hi' }] },
        })
        const read = await each.findByID({ id: created.id, collection: 'pages' })
        const selected = await each.findByID({
          id: created.id,
          collection: 'pages',
          select: { sections: { quote: { lines: true } } },
        })
        // Row ids differ; db-sqlite also gives `blockName: null` (db-mongodb leaves it out).
        const strip = (rows: unknown) =>
          (rows as AnyDoc[]).map(({ blockName: _name, id: _id, ...row }: AnyDoc) => row)
        return {
          created: strip(created.sections),
          read: strip(read.sections),
          selected: strip(selected.sections),
        }
      }),
    )
    expect(ours).toEqual(theirs)
    expect(ours.read).toEqual([{ blockType: 'quote', lines: [], said: 'Hi', words: [] }])
  })

  it('stores points as GeoJSON and leaves json untouched', async () => {
    const data = {
      nested: { deep: [1, '2', { x: null }] },
      password: 'not a field here, just json',
    }
    const created: AnyDoc = await payload.db.create({
      collection: 'things',
      data: { data, place: ['1.5', 2] },
    })
    expect(created.place).toEqual({ type: 'Point', coordinates: [1.5, 2] })
    const stored: AnyDoc = (await payload.db.findOne({
      collection: 'things',
      where: { id: { equals: created.id } },
    }))!
    expect(stored.data).toEqual(data)
  })

  it('stores relationship ids: populated documents reduced, number ids coerced, polymorphic kept', async () => {
    const target = await payload.create({ collection: 'targets', data: { label: 't' } })
    await payload.create({ collection: 'numbered', data: { id: 5, label: 'five' } })
    const created: AnyDoc = await payload.db.create({
      collection: 'things',
      data: {
        numberedOne: '5',
        poly: { relationTo: 'numbered', value: { id: 5, label: 'five' } },
        target: { ...target },
        targetsMany: [target.id, { id: target.id }],
      },
    })
    expect(created.target).toBe(target.id)
    expect(created.targetsMany).toEqual([target.id, target.id])
    expect(created.numberedOne).toBe(5)
    expect(created.poly).toEqual({ relationTo: 'numbered', value: 5 })
    const read: AnyDoc = await payload.findByID({ id: created.id, collection: 'things', depth: 1 })
    expect(read.target.label).toBe('t')
    expect(read.poly.value.label).toBe('five')
  })

  it('stores a single value given to a hasMany relationship as a one-item list, like db-sqlite', async () => {
    const [targets, numbered] = await Promise.all(
      [dynamo, sqlite].map(async ({ payload: db }) => {
        const target = await db.create({ collection: 'targets', data: { label: 'one' } })
        return target.id
      }),
    )
    const read = async (booted: Booted, targetID: number | string): Promise<AnyDoc[]> => {
      const { payload: db } = booted
      const created: AnyDoc = await db.db.create({
        collection: 'things',
        data: { polyMany: { relationTo: 'targets', value: targetID }, targetsMany: targetID },
      })
      const viaLocal = await db.create({
        collection: 'things',
        data: { polyMany: { relationTo: 'targets', value: targetID } as never, title: 'local' },
      })
      await db.db.updateOne({
        id: viaLocal.id,
        collection: 'things',
        data: { targetsMany: targetID },
      })
      return Promise.all(
        [created.id, viaLocal.id].map(async (id) =>
          comparable(await db.findByID({ id, collection: 'things', depth: 0 })),
        ),
      )
    }
    const [actual, expected] = await Promise.all([read(dynamo, targets), read(sqlite, numbered)])
    const withTarget = (docs: AnyDoc[], targetID: number | string) =>
      JSON.parse(JSON.stringify(docs).replaceAll(JSON.stringify(targetID), '"TARGET"'))
    expect(withTarget(actual, targets)).toEqual(withTarget(expected, numbered))
    expect(actual[0]).toMatchObject({
      polyMany: [{ relationTo: 'targets', value: targets }],
      targetsMany: [targets],
    })
    expect(actual[1]).toMatchObject({
      polyMany: [{ relationTo: 'targets', value: targets }],
      targetsMany: [targets],
    })
  })

  it('rejects relationships to documents that do not exist, writing nothing', async () => {
    const before = (await payload.count({ collection: 'things' })).totalDocs
    const attempt = payload.create({
      collection: 'things',
      data: { target: 'not-real-id', title: 'invalid' },
    })
    await expect(attempt).rejects.toBeInstanceOf(ValidationError)
    await expect(attempt).rejects.toMatchObject({
      data: { errors: [expect.objectContaining({ path: 'target' })] },
    })
    await expect(
      payload.db.create({
        collection: 'things',
        data: { poly: { relationTo: 'numbered', value: 999 } },
      }),
    ).rejects.toBeInstanceOf(ValidationError)
    await expect(
      payload.db.create({ collection: 'things', data: { numberedOne: 'abc' } }),
    ).rejects.toBeInstanceOf(ValidationError)
    expect((await payload.count({ collection: 'things' })).totalDocs).toBe(before)

    // An update may not add one either, but keeps a reference the document already had.
    const target = await payload.create({ collection: 'targets', data: { label: 'going away' } })
    const doc = await payload.create({
      collection: 'things',
      data: { target: target.id, title: 'ref' },
    })
    await expect(
      payload.update({ id: doc.id, collection: 'things', data: { targetsMany: ['nope'] } }),
    ).rejects.toBeInstanceOf(ValidationError)
    await payload.db.deleteOne({ collection: 'targets', where: { id: { equals: target.id } } })
    await expect(
      payload.db.updateOne({
        id: doc.id,
        collection: 'things',
        data: { target: target.id, title: 'still' },
      }),
    ).resolves.toMatchObject({
      title: 'still',
    })
  })

  it('applies static default values on db.create, like column defaults', async () => {
    const data = { rows: [{ id: 'r1' }], title: 'hello' }
    const [actual, expected]: AnyDoc[] = await Promise.all([
      dynamo.payload.db.create({ collection: 'defaults', data: structuredClone(data) }),
      sqlite.payload.db.create({ collection: 'defaults', data: structuredClone(data) }),
    ])
    expect(actual.text).toBe('fallback')
    expect(actual.choice).toBe('b')
    expect(actual.place).toEqual({ type: 'Point', coordinates: [1, 2] })
    expect(actual.group).toEqual({ inner: 5 })
    expect(actual.rows).toEqual([{ id: 'r1', inner: 'row' }])
    expect(actual.fn).toBeUndefined()
    for (const key of ['text', 'choice', 'group'] as const) {
      expect(actual[key]).toEqual(expected[key])
    }
    expect(actual.rows[0].inner).toBe(expected.rows[0].inner)

    // Updates leave missing fields alone and given ones win over defaults.
    const updated: AnyDoc = await payload.db.updateOne({
      id: actual.id,
      collection: 'defaults',
      data: { text: 'mine' },
    })
    expect(updated).toMatchObject({ choice: 'b', text: 'mine', title: 'hello' })
  })

  it('keeps atomic update operators working, with their items transformed', async () => {
    const target = await payload.create({ collection: 'targets', data: { label: 'pushed' } })
    const doc: AnyDoc = await payload.db.create({
      collection: 'things',
      data: { count: 1, localNumbers: { en: [1] }, rows: [] },
    })
    const updated: AnyDoc = await payload.db.updateOne({
      id: doc.id,
      collection: 'things',
      data: {
        count: { $inc: 2 },
        rows: { $push: [{ id: 'p1', ghost: 'x', qty: '4' }] },
        targetsMany: { $push: [{ id: target.id, label: 'populated' }] },
      },
    })
    expect(updated.count).toBe(3)
    expect(updated.rows).toEqual([{ id: 'p1', qty: 4 }])
    expect(updated.targetsMany).toEqual([target.id])
    const removed: AnyDoc = await payload.db.updateOne({
      id: doc.id,
      collection: 'things',
      data: { localNumbers: { es: { $push: ['7'] } }, targetsMany: { $remove: [target.id] } },
    })
    expect(removed.targetsMany).toEqual([])
    expect(removed.localNumbers).toEqual({ en: [1], es: [7] })
  })

  it('applies dotted paths to nested fields, keeping their siblings', async () => {
    const target = await payload.create({ collection: 'targets', data: { label: 'nested' } })
    const doc: AnyDoc = await payload.db.create({
      collection: 'things',
      data: {
        meta: { nested: { at: '2024-01-01T00:00:00.000Z' }, score: 1 },
        named: { amount: 1 },
      },
    })
    const updated: AnyDoc = await payload.db.updateOne({
      id: doc.id,
      collection: 'things',
      data: { 'meta.nested.at': 1705314600000, 'meta.unknown': 'x', 'named.amount': { $inc: 2 } },
    })
    expect(updated.meta).toEqual({ nested: { at: '2024-01-15T10:30:00.000Z' }, score: 1 })
    expect(updated.named).toEqual({ amount: 3 })
    expect(updated['meta.nested.at']).toBeUndefined()
    await expect(
      payload.db.updateOne({
        id: doc.id,
        collection: 'things',
        data: { 'named.amount': '5', target: { id: target.id } },
      }),
    ).resolves.toMatchObject({ named: { amount: 5 }, target: target.id })
  })

  it('upserts through the same transform', async () => {
    const created: AnyDoc = await payload.db.upsert({
      collection: 'things',
      data: { code: 1, ghost: 'x', title: 'upserted' },
      req: {},
      where: { title: { equals: 'upserted' } },
    })
    expect(created).toMatchObject({ code: '1', title: 'upserted' })
    expect(created.ghost).toBeUndefined()
    const updated: AnyDoc = await payload.db.upsert({
      collection: 'things',
      data: { count: '8', title: 'upserted' },
      req: {},
      where: { title: { equals: 'upserted' } },
    })
    expect(updated.id).toBe(created.id)
    expect(updated.count).toBe(8)
  })

  it('updates and deletes the first match by where, and upserts through updateOne, as db-sqlite does', async () => {
    const [ours, theirs] = await Promise.all(
      [dynamo, sqlite].map(async ({ payload: each }) => {
        for (const code of ['first', 'second', 'third']) {
          await each.db.create({ collection: 'things', data: { code, title: 'shared-where' } })
        }
        const where = { title: { equals: 'shared-where' } }
        const updated: AnyDoc = await each.db.updateOne({
          collection: 'things',
          data: { count: 1 },
          where,
        })
        const deleted: AnyDoc = await each.db.deleteOne({ collection: 'things', where })
        const upserted: AnyDoc | null = await each.db.updateOne({
          collection: 'things',
          data: { code: 'made', title: 'upserted-by-update' },
          options: { upsert: true },
          where: { title: { equals: 'upserted-by-update' } },
        })
        const { totalDocs } = await each.count({
          collection: 'things',
          where: { title: { equals: 'upserted-by-update' } },
        })
        return {
          deleted: deleted.code,
          total: totalDocs,
          updated: updated.code,
          upserted: upserted?.code,
        }
      }),
    )
    expect(ours).toEqual(theirs)
    expect(ours).toEqual({ deleted: 'first', total: 1, updated: 'first', upserted: 'made' })
  })

  it('transforms globals, keeping globalType and dropping unknown keys', async () => {
    const created: AnyDoc = await payload.db.createGlobal({
      slug: 'settings',
      data: { ghost: 'x', limit: '3', other: 1, siteName: 5 },
    })
    expect(created).toMatchObject({ globalType: 'settings', limit: 3, siteName: '5' })
    expect(created.ghost).toBeUndefined()
    expect(created.other).toBeUndefined()
    const updated: AnyDoc = await payload.db.updateGlobal({
      slug: 'settings',
      data: { limit: '4', other: 2 },
    })
    expect(updated).toMatchObject({ globalType: 'settings', limit: 4, siteName: '5' })
    expect(updated.other).toBeUndefined()
    const read: AnyDoc = await payload.findGlobal({ slug: 'settings' })
    expect(read).toMatchObject({ globalType: 'settings', limit: 4, siteName: '5' })
  })

  it("transforms versions' data with the collection's fields and keeps their own keys", async () => {
    const doc = await payload.create({ collection: 'things', data: { title: 'versioned' } })
    const version: AnyDoc = await payload.db.createVersion({
      autosave: false,
      collectionSlug: 'things',
      createdAt: new Date().toISOString(),
      parent: doc.id,
      updatedAt: new Date().toISOString(),
      versionData: {
        _status: 'draft',
        code: 3,
        computed: 'x',
        count: '6',
        password: 'x',
        title: 'v',
      } as never,
    })
    expect(version.parent).toBe(doc.id)
    expect(version.latest).toBe(true)
    expect(version.version).toMatchObject({ _status: 'draft', code: '3', count: 6, title: 'v' })
    expect(version.version.computed).toBeUndefined()
    expect(version.version.password).toBeUndefined()

    const { docs } = await payload.findVersions({
      collection: 'things',
      where: { parent: { equals: doc.id } },
    })
    expect(docs.map((each) => each.version.title)).toContain('v')

    const updated: AnyDoc = await payload.db.updateVersion({
      id: version.id,
      collection: 'things',
      versionData: { ...version, version: { ...version.version, count: '7', ghost: 'x' } } as never,
    })
    expect(updated.version.count).toBe(7)
    expect(updated.version.ghost).toBeUndefined()
    // As db-sqlite stores a version's data: without the document's id, also after an update.
    expect(version.version.id).toBeUndefined()
    expect(updated.version.id).toBeUndefined()
    expect(updated.parent).toBe(doc.id)

    const globalVersion: AnyDoc = await payload.db.createGlobalVersion({
      autosave: false,
      createdAt: new Date().toISOString(),
      globalSlug: 'settings',
      updatedAt: new Date().toISOString(),
      versionData: { limit: '2', other: 1 } as never,
    })
    expect(globalVersion.version).toMatchObject({ limit: 2 })
    expect(globalVersion.version.other).toBeUndefined()
  })

  it('stores and reads back what db-sqlite does: hasMany set to null, objects in text, version documents', async () => {
    const shown = async (booted: Booted) => {
      const { payload: p } = booted
      const created = await p.create({
        collection: 'shapes',
        data: { choices: ['a'], title: 'first' },
      })
      // Payload's validation lets an object or a list through to a text field.
      await p.update({
        collection: 'shapes',
        data: { choices: null, tags: null, title: { a: 1 } as never },
        id: created.id,
      })
      const read = await p.findByID({ collection: 'shapes', depth: 0, id: created.id })
      const matching = await p.count({
        collection: 'shapes',
        where: { title: { equals: '{"a":1}' } },
      })
      const { docs: versions } = await p.findVersions({
        collection: 'shapes',
        sort: 'createdAt',
        where: { parent: { equals: created.id } },
      })
      await p.delete({ collection: 'shapes', id: created.id })
      return {
        choices: read.choices,
        matching: matching.totalDocs,
        tags: read.tags,
        title: read.title,
        versionKeys: versions.map((version) => ({
          keys: Object.keys(version)
            .filter((key) => key !== 'latest')
            .sort(),
          versionKeys: Object.keys(version.version).sort(),
        })),
      }
    }
    // A localized text's map naming a locale the config lacks (stored by an earlier config) stays
    // a map of texts, never one JSON text.
    const kept: AnyDoc = await payload.db.create({
      collection: 'things',
      data: { localText: { en: 'x', fr: 'y' }, title: 'old locales' },
    })
    const keptRead = (await payload.db.findOne({
      collection: 'things',
      where: { id: { equals: kept.id } },
    })) as AnyDoc | null
    expect(keptRead?.localText).toEqual({ en: 'x', fr: 'y' })

    const expected = await shown(sqlite)
    expect(expected.choices).toEqual([])
    expect(expected.title).toBe('{"a":1}')
    // Before: `choices: null`, the object kept (and not found by its text), and versions with
    // the document's `id` in their data and `autosave: false` though the collection has no drafts.
    expect(await shown(dynamo)).toEqual(expected)
  })
})
