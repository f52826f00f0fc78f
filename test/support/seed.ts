import type { Payload } from 'payload'

/** A small deterministic PRNG, so both databases get exactly the same data. */
export function prng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

export type SeedResult = {
  /**
   * Maps `collection|id` to a stable name (`authors:3`, `posts:p07`), for comparing answers
   * (ids of different collections can be equal in SQL databases).
   */
  names: Map<string, string>
}

const WORDS = [
  'alpha',
  'Beta',
  'gamma',
  'delta',
  'Épsilon',
  'zeta',
  'eta',
  'theta',
  'iota',
  'kappa',
]

/**
 * Creates the same authors, tags, media and posts in any database through Payload's Local API.
 * Values deliberately include gaps (missing, null), duplicates, negatives, unicode and case
 * variations.
 */
export async function seedFixture(payload: Payload, postCount = 36): Promise<SeedResult> {
  const random = prng(42)
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]
  const names = new Map<string, string>()
  const authors: (number | string)[] = []
  for (let i = 0; i < 5; i++) {
    const doc = await payload.create({
      collection: 'authors',
      data: { name: `Author ${i}`, age: 20 + i * 7 },
    })
    authors.push(doc.id)
    names.set(`authors|${doc.id}`, `authors:${i}`)
  }
  const tags: (number | string)[] = []
  for (let i = 0; i < 4; i++) {
    const doc = await payload.create({ collection: 'tags', data: { label: `tag-${i}` } })
    tags.push(doc.id)
    names.set(`tags|${doc.id}`, `tags:${i}`)
  }
  const media: (number | string)[] = []
  for (let i = 0; i < 3; i++) {
    const doc = await payload.create({
      collection: 'media',
      data: { alt: `image ${i}` },
      file: {
        data: Buffer.from(`file ${i}`),
        mimetype: 'text/plain',
        name: `file-${i}.txt`,
        size: 6,
      },
    })
    media.push(doc.id)
    names.set(`media|${doc.id}`, `media:${i}`)
  }

  for (let i = 0; i < postCount; i++) {
    const gap = (chance: number) => random() < chance
    const title = `${pick(WORDS)} ${pick(WORDS)} ${i % 7}`
    const data: Record<string, unknown> = {
      slug: `p${String(i).padStart(2, '0')}`,
      title: gap(0.1) ? undefined : title,
      body: gap(0.3) ? undefined : `Some body text about ${pick(WORDS)} and ${pick(WORDS)}.`,
      contact: gap(0.5) ? undefined : `user${i % 5}@example.com`,
      snippet: gap(0.6) ? undefined : `const x = ${i}`,
      views: gap(0.15) ? undefined : Math.floor(random() * 200) - 20,
      ratings: gap(0.3) ? [] : [1 + (i % 5), 1 + ((i * 3) % 5)],
      publishedAt: gap(0.2)
        ? undefined
        : new Date(Date.UTC(2024, i % 12, 1 + (i % 27), i % 24)).toISOString(),
      featured: gap(0.2) ? undefined : random() < 0.5,
      status: gap(0.1) ? undefined : pick(['draft', 'published', 'archived']),
      topics: gap(0.3) ? [] : [pick(['news', 'tech']), pick(['life', 'sport'])],
      kind: gap(0.3) ? undefined : pick(['article', 'video']),
      localTitle: `EN ${pick(WORDS)} ${i}`,
      author: gap(0.2) ? undefined : pick(authors),
      tags: gap(0.3) ? [] : [...new Set([pick(tags), pick(tags)])],
      related: gap(0.4)
        ? undefined
        : random() < 0.5
          ? { relationTo: 'authors', value: pick(authors) }
          : { relationTo: 'tags', value: pick(tags) },
      cover: gap(0.5) ? undefined : pick(media),
      gallery: gap(0.5) ? [] : [pick(media)],
      meta: {
        description: gap(0.3) ? undefined : `meta ${pick(WORDS)}`,
        score: gap(0.3) ? undefined : Math.round(random() * 1000) / 10,
        inner: { flag: gap(0.3) ? undefined : random() < 0.5 },
      },
      items: gap(0.3)
        ? []
        : Array.from({ length: 1 + (i % 3) }, (_, row) => ({
            label: `${pick(WORDS)}-${row}`,
            qty: (i + row) % 6,
          })),
      layout: gap(0.4)
        ? []
        : [
            { blockType: 'hero', heading: `Hero ${pick(WORDS)}` },
            ...(i % 2 ? [{ blockType: 'quote', text: `quote ${i % 4}` }] : []),
          ],
      data: gap(0.3)
        ? undefined
        : { level: i % 4, nested: { label: pick(WORDS) }, list: [i % 3, 'x'] },
      location: gap(0.4) ? undefined : [-10 + (i % 20), 40 + (i % 10) / 2],
    }
    const doc = await payload.create({ collection: 'posts', data, locale: 'en' })
    if (i % 3 === 0) {
      await payload.update({
        id: doc.id,
        collection: 'posts',
        data: { localTitle: `ES título ${i}` },
        locale: 'es',
      })
    }
    names.set(`posts|${doc.id}`, `posts:${data.slug as string}`)
    // Distinct createdAt values keep the default order (-createdAt) identical across databases.
    await new Promise((resolve) => setTimeout(resolve, 3))
  }
  return { names }
}
