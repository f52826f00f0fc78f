import type { IndexDefinition } from './definitionTypes.js'

import { ENTRY_LAYOUT } from './entries.js'

/** What makes two definitions of the same name store the same keys. */
export function indexSignature(definition: IndexDefinition): string {
  return JSON.stringify([
    ...keySignature(definition),
    // Empty texts hold markers (earlier versions skipped them): a unique index with a text part
    // built by such a version is built again, in place (see `buildsInPlace`), which writes
    // those markers (docs/migrations.md).
    ...(definition.unique && definition.parts.some((part) => part.kind === 'text')
      ? [EMPTY_TEXT_MARKERS]
      : []),
  ])
}

/**
 * Whether an index recorded as built with `signature` keeps its items through a build to the
 * current signature: its keys are the same and the build only adds what is missing (the markers
 * of empty texts). Such an index is built again without being dropped first, so its markers go
 * on protecting their values meanwhile, and a build that fails (duplicates) changes nothing.
 */
export function buildsInPlace(definition: IndexDefinition, signature: string): boolean {
  return signature === JSON.stringify(keySignature(definition))
}

/** What decides the keys of an index's entries and markers. */
function keySignature(definition: IndexDefinition): unknown[] {
  return [
    ENTRY_LAYOUT,
    definition.unique,
    definition.parts.map((part) => [
      part.path,
      part.kind,
      part.localized,
      part.localizedPath,
      part.maxText,
      part.multiValued,
    ]),
  ]
}

/** See `indexSignature`: unique text indexes whose empty values hold markers. */
const EMPTY_TEXT_MARKERS = 'empty-text-marked'
