import type { CollectionConfig, Config, DatabaseAdapterObj } from 'payload'

import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A realistic Payload config with every field type Payload queries can reach: used by the
 * integration tests, which boot it once on DynamoDB and once on db-sqlite and compare answers.
 */
export function fixtureCollections(): CollectionConfig[] {
  const staticDir = mkdtempSync(join(tmpdir(), 'payload-dynamodb-media-'))
  return [
    {
      slug: 'authors',
      fields: [
        { name: 'name', type: 'text' },
        { name: 'age', type: 'number' },
      ],
    },
    { slug: 'tags', fields: [{ name: 'label', type: 'text' }] },
    { slug: 'media', fields: [{ name: 'alt', type: 'text' }], upload: { staticDir } },
    {
      slug: 'posts',
      fields: [
        { name: 'title', type: 'text', index: true },
        { name: 'slug', type: 'text', unique: true },
        { name: 'body', type: 'textarea' },
        { name: 'contact', type: 'email' },
        { name: 'snippet', type: 'code' },
        { name: 'views', type: 'number', index: true },
        { name: 'ratings', type: 'number', hasMany: true },
        { name: 'publishedAt', type: 'date', index: true },
        { name: 'featured', type: 'checkbox' },
        { name: 'status', type: 'select', options: ['draft', 'published', 'archived'] },
        {
          name: 'topics',
          type: 'select',
          hasMany: true,
          options: ['news', 'tech', 'life', 'sport'],
        },
        { name: 'kind', type: 'radio', options: ['article', 'video'] },
        { name: 'localTitle', type: 'text', localized: true },
        { name: 'author', type: 'relationship', relationTo: 'authors' },
        { name: 'tags', type: 'relationship', relationTo: 'tags', hasMany: true },
        { name: 'related', type: 'relationship', relationTo: ['authors', 'tags'] },
        { name: 'cover', type: 'upload', relationTo: 'media' },
        { name: 'gallery', type: 'upload', relationTo: 'media', hasMany: true },
        {
          name: 'meta',
          type: 'group',
          fields: [
            { name: 'description', type: 'text' },
            { name: 'score', type: 'number' },
            { name: 'inner', type: 'group', fields: [{ name: 'flag', type: 'checkbox' }] },
          ],
        },
        {
          name: 'items',
          type: 'array',
          fields: [
            { name: 'label', type: 'text' },
            { name: 'qty', type: 'number' },
          ],
        },
        {
          name: 'layout',
          type: 'blocks',
          blocks: [
            { slug: 'hero', fields: [{ name: 'heading', type: 'text' }] },
            { slug: 'quote', fields: [{ name: 'text', type: 'text' }] },
          ],
        },
        { name: 'data', type: 'json' },
        { name: 'location', type: 'point' },
      ],
    },
  ]
}

export function fixtureConfig(db: DatabaseAdapterObj): Config {
  return {
    collections: fixtureCollections(),
    db,
    localization: { defaultLocale: 'en', locales: ['en', 'es'] },
    secret: 'test-secret-for-payload-db-dynamodb',
    telemetry: false,
    typescript: { autoGenerate: false },
  }
}
