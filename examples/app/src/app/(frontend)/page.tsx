import config from '@payload-config'
import { getPayload } from 'payload'
import React from 'react'

// Read on every request: the page shows what DynamoDB holds now.
export const dynamic = 'force-dynamic'

export default async function HomePage() {
  const payload = await getPayload({ config })
  const [settings, posts] = await Promise.all([
    payload.findGlobal({ slug: 'site-settings' }),
    payload.find({
      collection: 'posts',
      depth: 1,
      limit: 20,
      sort: '-publishedAt',
      where: { _status: { equals: 'published' } },
    }),
  ])
  return (
    <main>
      <h1>{settings.siteName}</h1>
      {settings.tagline ? <p>{settings.tagline}</p> : null}
      <ul>
        {posts.docs.map((post) => (
          <li key={post.id}>
            <strong>{post.title}</strong>
            {post.excerpt ? ` — ${post.excerpt}` : null}
          </li>
        ))}
      </ul>
      <p>
        <a href="/admin">Admin panel</a>
      </p>
    </main>
  )
}
