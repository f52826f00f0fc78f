/**
 * Relationships and joins against a reference: the same seeded operations (authors renamed and
 * deleted, posts moved between authors and tags, tags deleted) run on this adapter and on
 * db-sqlite with its transactions on. After each, queries through relationship paths, counts,
 * populated pages and an author's join field must answer the same. A relationship to a deleted
 * document reads as null on db-sqlite (its foreign key) and keeps the id here (as on db-mongodb):
 * both are shown as no relation.
 */
import type { Config, DatabaseAdapterObj, Payload, Where } from 'payload'

import type { DynamoDBAdapter } from '../../src/index.js'

import { bootBoth, type Booted, closeAll } from '../support/bootPayload.js'
import { playSeeded } from '../support/modelSteps.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'authors',
        fields: [
          { name: 'label', type: 'text', index: true },
          { name: 'name', type: 'text', index: true },
          { name: 'posts', type: 'join', collection: 'posts', on: 'author' },
        ],
      },
      { slug: 'tags', fields: [{ name: 'label', type: 'text', index: true }] },
      {
        slug: 'posts',
        fields: [
          { name: 'label', type: 'text', index: true },
          { name: 'views', type: 'number', index: true },
          { name: 'author', type: 'relationship', relationTo: 'authors' },
          { name: 'tags', type: 'relationship', hasMany: true, relationTo: 'tags' },
        ],
      },
    ],
    db,
    secret: 'relations-model-secret',
    telemetry: false,
  }
}

const NAMES = ['Ann', 'Bob', 'Cy']
const OPERATIONS = 70

type Slug = 'authors' | 'posts' | 'tags'
type Lane = { ids: Map<string, number | string>; labels: Map<string, string>; payload: Payload }
type Step = { describe: string; run: (lane: Lane) => Promise<string> }
type Doc = Record<string, unknown> & { id: number | string; label: string }

/** A relationship value by the label of what it names; a deleted or missing document as '-'. */
function related(lane: Lane, value: unknown): string {
  if (value && typeof value === 'object' && 'label' in value) {
    return String((value as Doc).label)
  }
  return (value !== null && value !== undefined && lane.labels.get(String(value))) || '-'
}

function showPost(lane: Lane, doc: Doc): string {
  const tags = ((doc.tags as unknown[]) ?? []).map((tag) => related(lane, tag))
  return `${doc.label}|${String(doc.views)}|${related(lane, doc.author)}|${tags.filter((tag) => tag !== '-').join('+')}`
}

async function labelsOf(payload: Payload, collection: Slug): Promise<string[]> {
  const found = await payload.find({ collection, depth: 0, pagination: false, sort: 'label' })
  return (found.docs as unknown as Doc[]).map((doc) => doc.label)
}

/** What readers see after each operation. */
async function views(lane: Lane): Promise<string[]> {
  const { payload } = lane
  const out: string[] = []
  const posts = await payload.find({
    collection: 'posts',
    depth: 1,
    pagination: false,
    sort: 'label',
  })
  out.push(
    `posts: ${(posts.docs as unknown as Doc[]).map((doc) => showPost(lane, doc)).join(', ')}`,
  )
  for (const name of NAMES) {
    const where: Where = { 'author.name': { equals: name } }
    const page = await payload.find({
      collection: 'posts',
      depth: 0,
      limit: 2,
      sort: '-views',
      where,
    })
    const counted = await payload.count({ collection: 'posts', where })
    out.push(
      `by ${name}: ${page.totalDocs}/${counted.totalDocs} ${(page.docs as unknown as Doc[]).map((doc) => doc.label).join(',')}`,
    )
  }
  const tagged = await payload.count({
    collection: 'posts',
    where: { 'tags.label': { in: ['g1', 'g2'] } },
  })
  out.push(`tagged g1/g2: ${tagged.totalDocs}`)
  const authors = await payload.find({
    collection: 'authors',
    depth: 1,
    joins: { posts: { limit: 2, sort: 'label' } },
    pagination: false,
    sort: 'label',
  })
  for (const author of authors.docs as unknown as Doc[]) {
    const join = author.posts as { docs?: Doc[]; hasNextPage?: boolean; totalDocs?: number }
    out.push(
      `${author.label} (${String(author.name)}) wrote ${(join.docs ?? []).map((doc) => doc.label).join(',')}${join.hasNextPage ? ' and more' : ''}`,
    )
  }
  return out
}

function drawStep(
  random: () => number,
  existing: Record<Slug, string[]>,
  next: (slug: Slug) => string,
): Step {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!
  const some = <T>(list: T[]) => list.filter(() => random() < 0.4)
  const id = (lane: Lane, label: string) => lane.ids.get(label)!
  const create = (
    slug: Slug,
    data: (lane: Lane) => Record<string, unknown>,
    label: string,
  ): Step => ({
    describe: `create ${slug} ${label}`,
    run: async (lane) => {
      const doc = (await lane.payload.create({
        collection: slug,
        data: { ...data(lane), label },
      })) as unknown as Doc
      lane.ids.set(label, doc.id)
      lane.labels.set(String(doc.id), label)
      return label
    },
  })
  const roll = random()
  if (roll < 0.1 || existing.authors.length < 2) {
    const name = pick(NAMES)
    return create('authors', () => ({ name }), next('authors'))
  }
  if (roll < 0.18 || existing.tags.length < 2) {
    return create('tags', () => ({}), next('tags'))
  }
  if (roll < 0.45 || existing.posts.length < 3) {
    const author = pick(existing.authors)
    const tags = some(existing.tags)
    const views = Math.floor(random() * 100)
    return create(
      'posts',
      (lane) => ({ author: id(lane, author), tags: tags.map((tag) => id(lane, tag)), views }),
      next('posts'),
    )
  }
  if (roll < 0.6) {
    const post = pick(existing.posts)
    const author = pick(existing.authors)
    const tags = some(existing.tags)
    return {
      describe: `move ${post} to ${author} with ${tags.join('+')}`,
      run: async (lane) =>
        showPost(
          lane,
          (await lane.payload.update({
            id: id(lane, post),
            collection: 'posts',
            data: { author: id(lane, author), tags: tags.map((tag) => id(lane, tag)) },
            depth: 1,
          })) as unknown as Doc,
        ),
    }
  }
  if (roll < 0.75) {
    const author = pick(existing.authors)
    const name = pick(NAMES)
    return {
      describe: `rename ${author} to ${name}`,
      run: async (lane) => {
        await lane.payload.update({ id: id(lane, author), collection: 'authors', data: { name } })
        return name
      },
    }
  }
  const slug: Slug = random() < 0.4 ? 'authors' : random() < 0.5 ? 'tags' : 'posts'
  const label = pick(existing[slug])
  return {
    describe: `delete ${slug} ${label}`,
    run: async (lane) => {
      await lane.payload.delete({ id: id(lane, label), collection: slug })
      lane.labels.delete(String(id(lane, label)))
      return label
    },
  }
}

describe('relationships and joins, step by step against db-sqlite with transactions', () => {
  let dynamo: Booted
  let sqlite: Booted

  beforeAll(async () => {
    ;[dynamo, sqlite] = await bootBoth(config, {}, { transactions: true })
  })

  afterAll(() => closeAll(dynamo, sqlite))

  it(`${OPERATIONS} seeded operations: every answer equal`, async () => {
    const lanes: Lane[] = [dynamo, sqlite].map(({ payload }) => ({
      ids: new Map(),
      labels: new Map(),
      payload,
    }))
    const serials: Record<Slug, number> = { authors: 0, posts: 0, tags: 0 }
    const prefix: Record<Slug, string> = { authors: 'a', posts: 'p', tags: 'g' }
    const next = (slug: Slug) => `${prefix[slug]}${++serials[slug]}`
    let deletes = 0
    const { differences } = await playSeeded({
      defaultSeed: 7122026,
      draw: async (random) => {
        const existing = {
          authors: await labelsOf(sqlite.payload, 'authors'),
          posts: await labelsOf(sqlite.payload, 'posts'),
          tags: await labelsOf(sqlite.payload, 'tags'),
        }
        const step = drawStep(random, existing, next)
        deletes += step.describe.startsWith('delete') ? 1 : 0
        return step
      },
      lanes: lanes as [Lane, Lane],
      operations: OPERATIONS,
      views,
    })
    expect(differences).toEqual([])
    expect(deletes).toBeGreaterThan(5)
    for (const collection of ['authors', 'tags', 'posts']) {
      expect(
        await (dynamo.payload.db as unknown as DynamoDBAdapter).verifyIndexes({ collection }),
      ).toMatchObject({ clean: true })
    }
  })
})
