import type { CollectionConfig } from 'payload'

export const Posts: CollectionConfig = {
  slug: 'posts',
  admin: {
    defaultColumns: ['title', 'slug', 'status', 'author', '_status', 'updatedAt'],
    listSearchableFields: ['title', 'slug'],
    pagination: { defaultLimit: 10 },
    useAsTitle: 'title',
  },
  versions: {
    drafts: {
      // Autosave writes the draft version while the editor types; "Save draft" and "Publish
      // changes" are buttons.
      autosave: { interval: 500, showSaveDraftButton: true },
      schedulePublish: false,
    },
    maxPerDoc: 25,
  },
  fields: [
    { name: 'title', type: 'text', localized: true, required: true },
    { name: 'slug', type: 'text', index: true, required: true, unique: true },
    {
      // The editorial workflow, beside Payload's own draft/published `_status`.
      name: 'status',
      type: 'select',
      label: 'Editorial status',
      defaultValue: 'idea',
      index: true,
      options: [
        { label: 'Idea', value: 'idea' },
        { label: 'Writing', value: 'writing' },
        { label: 'Review', value: 'review' },
        { label: 'Done', value: 'done' },
      ],
    },
    { name: 'author', type: 'relationship', relationTo: 'users' },
    { name: 'categories', type: 'relationship', hasMany: true, relationTo: 'categories' },
    { name: 'heroImage', type: 'upload', relationTo: 'media' },
    { name: 'excerpt', type: 'textarea', localized: true },
    { name: 'readingMinutes', type: 'number', min: 0 },
    { name: 'publishedAt', type: 'date', index: true },
  ],
}
