import type { LocalizationConfig } from 'payload'

export const localization: LocalizationConfig = {
  defaultLocale: 'en',
  fallback: true,
  locales: [
    { code: 'en', label: 'English' },
    { code: 'de', label: 'Deutsch' },
  ],
}
