import type { GlobalConfig } from 'payload'

export const SiteSettings: GlobalConfig = {
  slug: 'site-settings',
  fields: [
    { name: 'siteName', type: 'text', required: true, defaultValue: 'My blog' },
    { name: 'tagline', type: 'text', localized: true },
    { name: 'postsPerPage', type: 'number', defaultValue: 10, min: 1 },
    { name: 'featuredPost', type: 'relationship', relationTo: 'posts' },
  ],
}
