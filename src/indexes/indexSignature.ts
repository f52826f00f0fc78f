import type { IndexDefinition } from './definitionTypes.js'

import { ENTRY_LAYOUT } from './entries.js'

/**
 * What makes two definitions of the same name store the same items: their keys, and for a
 * localized index the locales it has entries for (a locale added to the config has no entries
 * in the documents stored before it, so the index is built again before queries read it).
 */
export function indexSignature(definition: IndexDefinition): string {
  return JSON.stringify([
    ...signatureWithoutLocales(definition),
    ...(definition.locales ? [['locales', ...definition.locales]] : []),
  ])
}

/**
 * The signature as versions before the locales were in it recorded it. An index recorded so is
 * taken as built for the locales of the config (as those versions took it). Value counters'
 * coverage tokens keep to it: a rebuild counts afresh under a new generation anyway.
 */
export function legacySignature(definition: IndexDefinition): string {
  return JSON.stringify(signatureWithoutLocales(definition))
}

/** Whether an index recorded as built with `signature` is the definition, as it is now or as before. */
export function builtAs(definition: IndexDefinition, signature: string | undefined): boolean {
  return (
    signature !== undefined &&
    (signature === indexSignature(definition) || signature === legacySignature(definition))
  )
}

function signatureWithoutLocales(definition: IndexDefinition): unknown[] {
  return [
    ...keySignature(definition),
    ...(definition.onlyLatest ? ['only-latest'] : []),
    // Empty texts hold markers (earlier versions skipped them): a unique index with a text part
    // built by such a version is built again, in place (see `buildsInPlace`), which writes
    // those markers (docs/migrations.md).
    ...(definition.unique && definition.parts.some((part) => part.kind === 'text')
      ? [EMPTY_TEXT_MARKERS]
      : []),
  ]
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

/**
 * Whether an index recorded as built with `signature` is the definition in other locales: the
 * config added or removed locales, nothing else. Its entries and markers in the locales both
 * name are the definition's, so it is rebuilt in place (rebuild.ts): its markers go on refusing
 * taken values meanwhile, where dropping it first would leave its unique values unguarded.
 * Returns the recorded locales the config no longer has (their items are deleted after), or
 * undefined when the index is not such a change.
 */
export function changesLocalesOnly(
  definition: IndexDefinition,
  signature: string,
): string[] | undefined {
  const locales = definition.locales
  if (!locales) {
    return undefined
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(signature)
  } catch {
    return undefined
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    return undefined
  }
  const last: unknown = parsed[parsed.length - 1]
  if (!Array.isArray(last) || last[0] !== 'locales') {
    return undefined
  }
  const recorded = last.slice(1).map(String)
  if (
    JSON.stringify(parsed.slice(0, -1)) !== legacySignature(definition) ||
    JSON.stringify(recorded) === JSON.stringify(locales)
  ) {
    return undefined
  }
  return recorded.filter((locale) => !locales.includes(locale))
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
      ...(part.alsoAt ? [part.alsoAt.map((other) => [other.path, other.localizedPath])] : []),
    ]),
  ]
}

/** See `indexSignature`: unique text indexes whose empty values hold markers. */
const EMPTY_TEXT_MARKERS = 'empty-text-marked'
