/**
 * Random queries and writes, the same on this adapter and on db-sqlite. A seeded generator builds
 * `where` trees (and / or, every operator on text, number, date, checkbox, select, `hasMany`,
 * relationship, polymorphic relationship, relationship path, group, array, blocks and localized
 * fields), sorts, pages and locales. Every fourth step is a write (create, update by id or by
 * `where`, delete by id or by `where`, in either locale). Each answer (ids in order, `totalDocs`)
 * and each write's outcome must equal db-sqlite's. Two adapter lanes: answers from memory (the
 * default) and through indexes and partitions (`readCache: false`).
 *
 * A second run does the same with drafts on (writes may save drafts, queries may ask for them).
 *
 * `DIFF_SEED=<n> DIFF_QUERIES=<n>` replays or widens a run; `DIFF_SIMPLE=1` asks single
 * conditions without writes (to tell which operator differs); `DIFF_SHOW=<n>` lists more;
 * `DIFF_INSPECT=1` prints the documents behind the first difference.
 */
import { type Booted, boot, closeAll, THROUGH_INDEXES } from '../support/bootPayload.js'
import {
  answer,
  apply,
  contents,
  describe as describeStep,
  fixture,
  type Lane,
  namesLocalizedArray,
  makeConfig,
  makeDraftsConfig,
  seed,
} from '../support/differential.js'
import { generator, mutations, type Options, type Query } from '../support/differentialGenerator.js'
import { distinctAnswer, distinctQuery } from '../support/differentialDistinct.js'
import { joinAnswer, joinQuery, namesMultiValued } from '../support/differentialJoins.js'
import { versionsAnswer, versionsQuery } from '../support/differentialVersions.js'
import { seeded as random } from '../support/workload.js'

const SEED = Number(process.env.DIFF_SEED ?? 20261204)
const QUERIES = Number(process.env.DIFF_QUERIES ?? 400)

/** Prints the documents one lane answers and the other does not (`DIFF_INSPECT=1`). */
async function inspect(expected: Lane, got: Lane, query: Query): Promise<void> {
  const whole = { ...query, limit: 0, page: 1 }
  const seqs = async (lane: Lane) =>
    new Set(
      (await answer(lane, whole))
        .replace(/^total \d+: /, '')
        .replace(/ ?\(count \d+\)$/, '')
        .split(','),
    )
  const [a, b] = [await seqs(expected), await seqs(got)]
  for (const seq of [...a, ...b].filter((each) => !(a.has(each) && b.has(each)))) {
    for (const lane of [expected, got]) {
      const id = lane.idOf.get(Number(seq))
      const doc =
        id === undefined
          ? 'gone'
          : await lane.payload.findByID({
              id,
              collection: 'items',
              depth: 0,
              draft: query.draft,
              locale: 'all',
            })
      console.log(`seq ${seq}: ${JSON.stringify(doc)}`)
    }
  }
}

function differential(name: string, config: typeof makeConfig, options: Options): void {
  let sqlite: Booted | undefined
  let memory: Booted | undefined
  let indexes: Booted | undefined
  const lanes: Record<string, Lane> = {}

  beforeAll(async () => {
    ;[sqlite, memory, indexes] = await Promise.all([
      boot(config, 'sqlite'),
      boot(config, 'dynamodb'),
      boot(config, 'dynamodb', THROUGH_INDEXES),
    ])
    const data = fixture(random(SEED))
    lanes.sqlite = await seed(sqlite.payload, data)
    lanes.memory = await seed(memory.payload, data)
    lanes.indexes = await seed(indexes.payload, data)
  })

  afterAll(() => closeAll(sqlite, memory, indexes))

  test(
    `${name}: ${QUERIES} random queries answer as db-sqlite does (seed ${SEED})`,
    async () => {
      const { query: nextQuery, where } = generator(random(SEED + 1), options)
      const nextMutation = mutations(random(SEED + 2), where, 1000, options)
      const distinctRandom = random(SEED + 3)
      // Queries with the conditions db-sqlite answers wrongly: the two lanes must agree.
      const beyond = generator(random(SEED + 4), { ...options, beyondSqlite: true })
      let beyondCompared = 0
      let distinctCompared = 0
      let versionsCompared = 0
      let joinsCompared = 0
      let versionsPublished = 0
      const differences: string[] = []
      let nonEmpty = 0
      let writes = 0
      let wholeCompared = 0
      for (let index = 0; index < QUERIES; index++) {
        if (index % 4 === 3 && !process.env.DIFF_SIMPLE) {
          const mutation = nextMutation([...lanes.sqlite.idOf.keys()])
          const outcome = await apply(lanes.sqlite, mutation)
          // A write db-sqlite cannot make (`all` over a `hasMany` select) is not made anywhere.
          const made = !outcome.startsWith('error')
          writes += made ? 1 : 0
          for (const name of made ? ['memory', 'indexes'] : []) {
            const got = await apply(lanes[name], mutation)
            if (got !== outcome) {
              differences.push(
                `#${index} ${name} write: ${describeStep(mutation as never)}\n  sqlite: ${outcome}\n  ${name}: ${got}`,
              )
            }
          }
        }
        const query = nextQuery()
        const expected = await answer(lanes.sqlite, query)
        if (/: \d|^\d/.test(expected)) {
          nonEmpty++
        }
        // db-sqlite throws on `all` over a `hasMany` select (a TypeError in its query builder).
        const sqliteFailed = expected.startsWith('error')
        // Every fifth query: the first documents whole (content, populated relationships, select).
        if (index % 5 === 0 && !sqliteFailed) {
          const view = {
            depth: index % 2,
            locale:
              index % 3 === 0 && !namesLocalizedArray(query.where)
                ? ('all' as const)
                : query.locale,
            // Three in four with one of the selects in turn (index / 5 mixes it with the depths).
            select: (index / 5) % 4 === 3 ? undefined : index / 5,
          }
          const whole = await contents(lanes.sqlite, query, view)
          wholeCompared += whole.startsWith('[{') ? 1 : 0
          for (const name of ['memory', 'indexes']) {
            const got = await contents(lanes[name], query, view)
            if (!whole.startsWith('error') && got !== whole) {
              differences.push(
                `#${index} ${name} documents ${JSON.stringify(view)}: ${describeStep(query)}\n  sqlite: ${whole}\n  ${name}: ${got}`,
              )
            }
          }
        }
        // Every seventh query (documents only: findDistinct reads no drafts): the distinct values
        // of one field among its matches.
        if (index % 7 === 2 && !query.draft) {
          const distinct = distinctQuery(distinctRandom, query)
          const values = await distinctAnswer(lanes.sqlite, distinct, false)
          distinctCompared += values.startsWith('error') ? 0 : 1
          for (const name of values.startsWith('error') ? [] : ['memory', 'indexes']) {
            const got = await distinctAnswer(lanes[name], distinct, true)
            if (got !== values) {
              differences.push(
                `#${index} ${name} distinct ${distinct.field}${distinct.descending ? ' desc' : ''}: ${describeStep(query)}\n  sqlite: ${values}\n  ${name}: ${got}`,
              )
            }
          }
        }
        if (index % 6 === 5) {
          const other = beyond.query()
          const fromMemory = await answer(lanes.memory, other)
          beyondCompared += /: \d|^\d/.test(fromMemory) ? 1 : 0
          const throughIndexes = await answer(lanes.indexes, other)
          if (throughIndexes !== fromMemory) {
            differences.push(
              `#${index} lanes differ: ${describeStep(other)}\n  memory: ${fromMemory}\n  indexes: ${throughIndexes}`,
            )
          }
        }
        // Every third query (documents only, see namesMultiValued) also filters the authors' join
        // field.
        if (index % 3 === 1 && !query.draft && !namesMultiValued(query.where)) {
          const join = joinQuery(distinctRandom, query)
          const expected = await joinAnswer(lanes.sqlite, join)
          joinsCompared += /: \d/.test(expected) ? 1 : 0
          for (const name of expected.startsWith('error') ? [] : ['memory', 'indexes']) {
            const got = await joinAnswer(lanes[name], join)
            if (got !== expected) {
              differences.push(
                `#${index} ${name} join (${join.joinSort}, limit ${join.joinLimit}, page ${join.joinPage}): ${describeStep(query)}\n  sqlite: ${expected}\n  ${name}: ${got}`,
              )
            }
          }
        }
        // With drafts, every seventh query is also asked of the versions.
        if (index % 7 === 5 && options.drafts) {
          const versions = versionsQuery(distinctRandom, query)
          const expected = await versionsAnswer(lanes.sqlite, versions)
          versionsCompared += expected.startsWith('total') ? 1 : 0
          versionsPublished += /\dp/.test(expected) ? 1 : 0
          for (const name of expected.startsWith('error') ? [] : ['memory', 'indexes']) {
            const got = await versionsAnswer(lanes[name], versions)
            if (got !== expected) {
              differences.push(
                `#${index} ${name} versions${versions.latestOnly ? ' (latest)' : ''}: ${describeStep(query)}\n  sqlite: ${expected}\n  ${name}: ${got}`,
              )
            }
          }
        }
        for (const name of ['memory', 'indexes']) {
          const got = await answer(lanes[name], query)
          if (sqliteFailed ? got.startsWith('error') : got !== expected) {
            differences.push(
              `#${index} ${name}: ${describeStep(query)}\n  sqlite: ${expected}\n  ${name}: ${got}`,
            )
            if (process.env.DIFF_INSPECT && differences.length === 1) {
              await inspect(lanes.sqlite, lanes[name], query)
            }
          }
        }
      }
      // The generator must reach documents, or agreement would say nothing.
      expect(nonEmpty).toBeGreaterThan(QUERIES / 3)
      expect(wholeCompared).toBeGreaterThan(QUERIES / 20)
      expect(beyondCompared).toBeGreaterThan(QUERIES / 30)
      expect(distinctCompared).toBeGreaterThan(QUERIES / (options.drafts ? 40 : 20))
      expect(versionsCompared).toBeGreaterThan(options.drafts ? QUERIES / 30 : -1)
      expect(joinsCompared).toBeGreaterThan(QUERIES / (options.drafts ? 40 : 20))
      // Published versions among them, not only drafts (DIFF_SIMPLE makes no writes to publish).
      const publishes = options.drafts && !process.env.DIFF_SIMPLE
      expect(versionsPublished).toBeGreaterThan(publishes ? QUERIES / 100 : -1)
      expect(process.env.DIFF_SIMPLE ? QUERIES : writes).toBeGreaterThan(QUERIES / 5)
      expect(differences.slice(0, Number(process.env.DIFF_SHOW ?? 15)).join('\n')).toBe('')
    },
    Math.max(120_000, QUERIES * 400),
  )
}

describe('documents', () => differential('documents', makeConfig, {}))

describe('drafts', () => differential('drafts', makeDraftsConfig, { drafts: true }))
