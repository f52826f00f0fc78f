import type { Payload, Where } from 'payload'

import { stringify } from 'qs-esm'

type Json = Record<string, unknown>

/** Dates and ids as they travel over HTTP, so Local API results compare with REST/GraphQL. */
function asJson<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value))
}

async function login(baseURL: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${baseURL}/api/users/login`, {
    body: JSON.stringify({ email, password }),
    headers: { 'Content-Type': 'application/json' },
    method: 'POST',
  })
  expect(response.status).toBe(200)
  const { token } = (await response.json()) as { token: string }
  return token
}

/**
 * The same questions through REST, GraphQL and the Local API (another process, same table): the
 * answers must be the same documents.
 */
export async function compareApis(args: {
  baseURL: string
  email: string
  local: Payload
  password: string
}): Promise<void> {
  const { baseURL, local } = args
  const token = await login(baseURL, args.email, args.password)
  const headers = { Authorization: `JWT ${token}`, 'Content-Type': 'application/json' }
  const rest = async (path: string, query: Json): Promise<Json> => {
    const response = await fetch(
      `${baseURL}/api/${path}${stringify(query, { addQueryPrefix: true })}`,
      {
        headers,
      },
    )
    expect(response.status).toBe(200)
    return (await response.json()) as Json
  }
  const graphql = async (query: string): Promise<Json> => {
    const response = await fetch(`${baseURL}/api/graphql`, {
      body: JSON.stringify({ query }),
      headers,
      method: 'POST',
    })
    const body = (await response.json()) as { data: Json; errors?: unknown[] }
    expect(body.errors).toBeUndefined()
    return body.data
  }

  const review = { status: { equals: 'review' } }
  const restReview = await rest('posts', { depth: 1, limit: 10, sort: 'title', where: review })
  const localReview = await local.find({
    collection: 'posts',
    depth: 1,
    limit: 10,
    sort: 'title',
    where: review,
  })
  expect(localReview.totalDocs).toBe(4)
  expect(restReview).toEqual(asJson(localReview))

  const databases = (
    await local.find({ collection: 'categories', where: { slug: { equals: 'databases' } } })
  ).docs[0]
  const longDrafts: Where = {
    and: [{ categories: { in: [databases.id] } }, { readingMinutes: { greater_than: 3 } }],
  }
  const restDrafts = await rest('posts', {
    depth: 0,
    draft: true,
    sort: '-readingMinutes',
    where: longDrafts,
  })
  const localDrafts = await local.find({
    collection: 'posts',
    depth: 0,
    draft: true,
    sort: '-readingMinutes',
    where: longDrafts,
  })
  expect(localDrafts.docs.map((doc) => doc.readingMinutes)).toEqual([12, 10, 8, 6, 4])
  expect(restDrafts).toEqual(asJson(localDrafts))

  const restCategory = await rest(`categories/${databases.id}`, { depth: 2 })
  expect(restCategory).toEqual(
    asJson(await local.findByID({ collection: 'categories', depth: 2, id: databases.id })),
  )

  const gqlPosts = await graphql(`
    {
      Posts(where: { status: { equals: review } }, sort: "title", limit: 10) {
        totalDocs
        docs {
          id
          title
          slug
          readingMinutes
          author {
            id
            email
          }
          categories {
            id
            name
          }
        }
      }
    }
  `)
  expect(gqlPosts.Posts).toEqual({
    docs: localReview.docs.map((post) => ({
      author: pick(post.author, ['id', 'email']),
      categories: ((post.categories ?? []) as unknown[]).map((category) =>
        pick(category, ['id', 'name']),
      ),
      id: post.id,
      readingMinutes: post.readingMinutes,
      slug: post.slug,
      title: post.title,
    })),
    totalDocs: localReview.totalDocs,
  })

  const gqlCategory = await graphql(`{
    Category(id: "${databases.id}") { id name posts(limit: 100, sort: "title") { docs { id title } } }
  }`)
  const localCategory = await local.findByID({
    collection: 'categories',
    id: databases.id,
    joins: { posts: { limit: 100, sort: 'title' } },
  })
  expect(gqlCategory.Category).toEqual({
    id: databases.id,
    name: 'Databases',
    posts: {
      docs: ((localCategory.posts?.docs ?? []) as unknown[]).map((post) =>
        pick(post, ['id', 'title']),
      ),
    },
  })

  const gqlSettings = await graphql('{ SiteSetting { siteName tagline postsPerPage } }')
  const settings = await local.findGlobal({ slug: 'site-settings' })
  expect(gqlSettings.SiteSetting).toEqual(pick(settings, ['siteName', 'tagline', 'postsPerPage']))
}

function pick(value: unknown, keys: string[]): Json {
  expect(typeof value).toBe('object')
  const source = value as Json
  return Object.fromEntries(keys.map((key) => [key, source[key]]))
}
