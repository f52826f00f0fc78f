import type { CollectionConfig } from 'payload'

import path from 'node:path'

export const Media: CollectionConfig = {
  slug: 'media',
  access: {
    read: () => true,
  },
  fields: [{ name: 'alt', type: 'text', required: true }],
  upload: {
    // Local uploads: files on disk, their metadata (filename, size, sizes) in DynamoDB.
    staticDir: process.env.MEDIA_DIR ?? path.resolve(process.cwd(), 'media'),
    imageSizes: [{ name: 'thumbnail', width: 320 }],
    mimeTypes: ['image/*'],
  },
}
