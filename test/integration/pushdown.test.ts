/**
 * Filters pushed into DynamoDB (a FilterExpression on the fallback's partition reads): hostile
 * field names (quotes, `#`, `:`, reserved words, the adapter's own attribute and placeholder
 * names, unicode) and hostile values, through Payload's Local API, give db-sqlite's answers; the
 * expression sent never carries a name or a value in its text (only placeholders).
 */
import type { Config, DatabaseAdapterObj, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'
import type { Booted } from '../support/bootPayload.js'

import { THROUGH_INDEXES, boot } from '../support/bootPayload.js'

/** Field names that would break an expression written without placeholders. */
const NAMES = {
  colon: 'c:d',
  doc: 'doc',
  hash: 'a#b',
  placeholder: ':f0',
  quote: "it's",
  reserved: 'size',
  unicode: 'ünï',
} as const

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'things',
        fields: [
          { name: 'code', type: 'text' },
          { name: NAMES.quote, type: 'text' },
          { name: NAMES.hash, type: 'text' },
          { name: NAMES.colon, type: 'number' },
          { name: NAMES.reserved, type: 'number' },
          { name: NAMES.doc, type: 'text' },
          { name: NAMES.placeholder, type: 'select', options: ['#f0', ':f0', 'x'] },
          { name: NAMES.unicode, type: 'textarea' },
          {
            name: 'name',
            type: 'group',
            fields: [
              { name: 'count', type: 'number' },
              { name: 'select', type: 'text' },
            ],
          },
        ],
      },
    ],
    db,
    secret: 'pushdown-test',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}

const TEN_KB = 'q'.repeat(10 * 1024)
const TEXTS = [
  "it's",
  '"quoted"',
  '#f0',
  ':f0',
  ':pk',
  'a.b.c',
  'size',
  'doc',
  ') OR attribute_not_exists(#doc) OR (',
  '',
  ' ',
  'Émile',
  'émile',
  '\u{1f600}',
  'z\u{1f600}',
  '\uffff',
  TEN_KB,
  `${TEN_KB}r`,
]
const NUMBERS = [-5, -0.5, 0, 1e-9, 3, 3.5, 42, Number.MAX_SAFE_INTEGER]

async function seed(booted: Booted): Promise<void> {
  for (let i = 0; i < 36; i++) {
    // Some documents leave fields empty (NULL), others hold hostile text and numbers.
    const text = (offset: number) =>
      (i + offset) % 6 === 0 ? undefined : TEXTS[(i + offset) % TEXTS.length]
    const number = (offset: number) =>
      (i + offset) % 5 === 0 ? undefined : NUMBERS[(i + offset) % NUMBERS.length]
    await booted.payload.create({
      collection: 'things',
      data: {
        code: `t${String(i).padStart(2, '0')}`,
        [NAMES.quote]: text(0),
        [NAMES.hash]: text(3),
        [NAMES.colon]: number(0),
        [NAMES.reserved]: number(2),
        [NAMES.doc]: text(5),
        [NAMES.placeholder]: ['#f0', ':f0', 'x', undefined][i % 4],
        [NAMES.unicode]: text(7),
        name: { count: number(4), select: text(9) },
      },
    })
  }
}

const TEXT_FIELDS = [NAMES.quote, NAMES.hash, NAMES.doc, NAMES.unicode, 'name.select']
const NUMBER_FIELDS = [NAMES.colon, NAMES.reserved, 'name.count']

function cases(): { name: string; where: Where }[] {
  const out: { name: string; where: Where }[] = []
  for (const field of TEXT_FIELDS) {
    for (const value of TEXTS) {
      const shown = value.length > 20 ? `${value.slice(0, 8)}…(${value.length})` : value
      out.push({ name: `${field} equals ${shown}`, where: { [field]: { equals: value } } })
      out.push({ name: `${field} > ${shown}`, where: { [field]: { greater_than: value } } })
      out.push({ name: `${field} <= ${shown}`, where: { [field]: { less_than_equal: value } } })
    }
    out.push({ name: `${field} not_equals`, where: { [field]: { not_equals: TEXTS[0] } } })
    out.push({ name: `${field} in`, where: { [field]: { in: [TEXTS[2], TEXTS[8], null] } } })
    out.push({ name: `${field} not_in`, where: { [field]: { not_in: [TEXTS[3], TEN_KB] } } })
    out.push({ name: `${field} exists`, where: { [field]: { exists: true } } })
    out.push({ name: `${field} not exists`, where: { [field]: { exists: false } } })
    out.push({ name: `${field} equals a number`, where: { [field]: { equals: 3 } } })
  }
  for (const field of NUMBER_FIELDS) {
    for (const value of [...NUMBERS, '3', '', 'abc', 1e20, 1e200, -0]) {
      out.push({ name: `${field} equals ${value}`, where: { [field]: { equals: value } } })
      out.push({ name: `${field} >= ${value}`, where: { [field]: { greater_than_equal: value } } })
      out.push({ name: `${field} < ${value}`, where: { [field]: { less_than: value } } })
    }
    out.push({ name: `${field} in`, where: { [field]: { in: [3, '42', -0.5] } } })
    out.push({ name: `${field} not_in`, where: { [field]: { not_in: [0, 1e-9] } } })
    out.push({ name: `${field} exists`, where: { [field]: { exists: 'true' } } })
    out.push({ name: `${field} not exists`, where: { [field]: { exists: false } } })
  }
  out.push({
    name: 'select field named like a placeholder',
    where: { [NAMES.placeholder]: { in: ['#f0', ':f0'] } },
  })
  out.push({
    name: 'or of pushed conditions',
    where: {
      or: [{ [NAMES.quote]: { equals: TEXTS[1] } }, { [NAMES.colon]: { greater_than: 3 } }],
    },
  })
  out.push({
    name: 'and with a condition only the evaluator knows (like)',
    where: {
      and: [{ [NAMES.hash]: { like: 'SIZE' } }, { [NAMES.reserved]: { not_equals: 42 } }],
    },
  })
  out.push({
    name: 'or with a branch only the evaluator knows',
    where: { or: [{ [NAMES.doc]: { like: 'émi' } }, { 'name.count': { less_than: 0 } }] },
  })
  return out
}

describe('filters pushed into DynamoDB', () => {
  let dynamo: Booted
  let sqlite: Booted
  const expressions: string[] = []

  beforeAll(async () => {
    dynamo = await boot(config, 'dynamodb', THROUGH_INDEXES)
    sqlite = await boot(config, 'sqlite')
    await seed(dynamo)
    await seed(sqlite)
    const adapter = dynamo.payload.db as unknown as DynamoDBAdapter
    adapter.docClient.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { FilterExpression?: string }
        if (input.FilterExpression) {
          expressions.push(input.FilterExpression)
        }
        return next(args)
      },
      { name: 'recordFilters', step: 'initialize' },
    )
  })

  afterAll(async () => {
    await dynamo?.close()
    await sqlite?.close()
  })

  const answer = async (booted: Booted, where: Where) => {
    const found = await booted.payload.find({
      collection: 'things',
      depth: 0,
      limit: 0,
      select: { code: true },
      sort: 'code',
      where,
    })
    const counted = await booted.payload.count({ collection: 'things', where })
    return { codes: found.docs.map((doc) => doc.code), total: counted.totalDocs }
  }

  it("gives db-sqlite's answers for hostile names and values", async () => {
    const differences: string[] = []
    for (const { name, where } of cases()) {
      const expected = await answer(sqlite, where)
      const actual = await answer(dynamo, where)
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        differences.push(`${name}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`)
      }
    }
    expect(differences).toEqual([])
  })

  it("gives db-sqlite's answers for conditions too long for one expression, still pushing what fits", async () => {
    // Each list of about 100 values renders to about 600 characters: together they are past
    // DynamoDB's 4 KB for an expression (before: its ValidationException, "Expression size has
    // exceeded the maximum allowed size"). Of an `and`, the conditions that fit are pushed.
    const texts = Array.from({ length: 80 }, (_, n) => `${TEXTS[n % TEXTS.length]}${n}`)
    const numbers = Array.from({ length: 80 }, (_, n) => n - 50)
    const bigLists: Where = {
      and: [
        ...TEXT_FIELDS.map((field) => ({ [field]: { not_in: [...texts, ...TEXTS.slice(0, 3)] } })),
        ...NUMBER_FIELDS.map((field) => ({ [field]: { not_in: [...numbers, 3.5, 42] } })),
      ],
    }
    const manyBranches: Where = {
      or: Array.from({ length: 40 }, (_, n) => ({
        [TEXT_FIELDS[n % TEXT_FIELDS.length]!]: { equals: TEXTS[n % TEXTS.length] },
      })),
    }
    const listsOfOr: Where = {
      or: TEXT_FIELDS.map((field) => ({ [field]: { in: [...texts, TEXTS[1]] } })),
    }
    const sentBefore = expressions.length
    const differences: string[] = []
    for (const [name, where] of [
      ['an and of eight lists of about 100 values', bigLists],
      ['an or of 40 branches', manyBranches],
      ['an or of five lists of about 100 values', listsOfOr],
    ] as const) {
      const expected = await answer(sqlite, where)
      const actual = await answer(dynamo, where).catch((error: Error) => error.message)
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        differences.push(`${name}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`)
      }
    }
    expect(differences).toEqual([])
    const sent = expressions.slice(sentBefore)
    expect(sent.length).toBeGreaterThan(0)
    expect(Math.max(...sent.map((expression) => expression.length))).toBeLessThanOrEqual(4000)
    // Part of the lists went with the reads (more than one list's worth of placeholders).
    expect(Math.max(...sent.map((expression) => expression.split(':f').length))).toBeGreaterThan(
      200,
    )
  })

  it('sent the conditions as FilterExpressions made only of placeholders', () => {
    expect(expressions.length).toBeGreaterThan(100)
    for (const expression of expressions) {
      expect(expression).toMatch(/^[\s()#:a-z0-9_,.<>=]+$/i)
      expect(expression).toMatch(/OR attribute_not_exists\(#f\d+\)$/)
    }
  })
})
