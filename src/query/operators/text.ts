import { sqlLike } from '../sqlValues.js'

/** drizzle `like`: the value is split on single spaces and every word must occur (ASCII case-insensitive). */
export const likeWords = (v: unknown, query: string): boolean =>
  query.split(' ').every((word) => sqlLike(v, `%${word}%`))

/** `contains`: one substring (`%value%`), not split into words. */
export const containsText = (v: unknown, query: unknown): boolean =>
  sqlLike(v, `%${String(query)}%`)
