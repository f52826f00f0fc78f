import type { CollectionConfig } from 'payload'

export const Categories: CollectionConfig = {
  slug: 'categories',
  admin: {
    defaultColumns: ['name', 'slug', 'updatedAt'],
    useAsTitle: 'name',
  },
  fields: [
    { name: 'name', type: 'text', required: true },
    { name: 'slug', type: 'text', index: true, unique: true },
    {
      // Not stored: Payload asks the adapter for the posts whose `categories` contain this one.
      name: 'posts',
      type: 'join',
      collection: 'posts',
      on: 'categories',
      defaultLimit: 10,
    },
  ],
}
