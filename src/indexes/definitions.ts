import type { FlattenedField, Payload, SanitizedCollectionConfig } from 'payload'

import { fieldShouldBeLocalized } from 'payload/shared'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { getCollectionConfig } from '../namespaces.js'
import { getCollectionIDType } from '../query/scopeInfo.js'
import { internalIndexPaths } from './internalIndexes.js'

export type { IndexDefinition, IndexPart, IndexValueKind } from './definitionTypes.js'
import type { IndexDefinition, IndexPart, IndexPath, IndexValueKind } from './definitionTypes.js'

/**
 * The field a unique index's conflict is reported on: its first field, as a `where` names it (a
 * block type's braces left out), as db-mongodb names it (`rows.sku`; the SQL adapters give the
 * column's name alone, `sku`).
 */
export function uniqueErrorPath(
  definition: IndexDefinition,
  /** Of a block type's field used by several blocks fields: the path whose values changed. */
  changedAt: (path: IndexPath) => boolean = () => false,
): string {
  const [first] = definition.parts
  const paths = first ? [first, ...(first.alsoAt ?? [])] : []
  return ((paths.find(changedAt) ?? paths[0])?.path ?? '').replace(/\{[^}]*\}/g, '')
}

/** Text kept per part: 100 characters alone, less when a compound index shares the key. */
export function maxTextFor(partCount: number): number {
  return Math.min(100, Math.floor(160 / partCount))
}

function valueKind(field: FlattenedField): IndexValueKind | undefined {
  switch (field.type) {
    case 'checkbox':
      return 'boolean'
    case 'date':
      return 'date'
    case 'number':
      return 'number'
    case 'point':
      return 'point'
    case 'relationship':
    case 'upload':
      return typeof field.relationTo === 'string' ? 'relationship' : 'polymorphic'
    case 'code':
    case 'email':
    case 'radio':
    case 'select':
    case 'text':
    case 'textarea':
      return 'text'
    default:
      return undefined
  }
}

/**
 * A field reached by the walk; `derived` parts (a polymorphic `.value`) carry no uniqueness.
 * `inBlock`: a field of one block type, whose paths name it (`layout{hero}.code`, see
 * valuesAtPath): only its uniqueness is kept, as SQL adapters keep a unique index per block table.
 */
type Walked = {
  derived?: boolean
  field: FlattenedField
  /** In an array's rows or a block (a row of a table of its own in SQL). */
  inArray?: boolean
  inBlock?: boolean
  part: IndexPart
}

type Walk = {
  inArray: boolean
  inBlock: boolean
  localization: boolean
  localizedPrefix: string
  parentLocalized: boolean
  payload: Payload
  prefix: string
}

/** Every scalar field reachable from `fields`, with its paths, through groups, tabs, arrays and blocks. */
function walkFields(fields: FlattenedField[], walk: Walk): Walked[] {
  const { inArray, inBlock, localization, localizedPrefix, parentLocalized, prefix } = walk
  const out: Walked[] = []
  for (const field of fields) {
    if (!('name' in field) || !field.name) {
      continue
    }
    // Without localization in the config, `localized: true` is stored as a plain value.
    const marked = localization && Boolean('localized' in field && field.localized)
    const localized = parentLocalized || marked
    const path = `${prefix}${field.name}`
    // Nested in a localized field, its own locales only under Payload's compatibility flag.
    const ownLocalized =
      marked && fieldShouldBeLocalized({ field, parentIsLocalized: parentLocalized })
    const localizedPath = `${localizedPrefix}${field.name}${ownLocalized ? '.<locale>' : ''}`
    if (field.type === 'group' || field.type === 'tab' || field.type === 'array') {
      const nested = walkFields(field.flattenedFields, {
        ...walk,
        inArray: inArray || field.type === 'array',
        localizedPrefix: `${localizedPath}.`,
        parentLocalized: localized,
        prefix: `${path}.`,
      })
      out.push(...nested)
      continue
    }
    if (field.type === 'blocks') {
      for (const candidate of field.blockReferences ?? field.blocks ?? []) {
        const block = typeof candidate === 'string' ? walk.payload.blocks?.[candidate] : candidate
        if (!block) {
          continue
        }
        const nested = walkFields(block.flattenedFields, {
          ...walk,
          inArray: true,
          inBlock: true,
          localizedPrefix: `${localizedPath}{${block.slug}}.`,
          parentLocalized: localized,
          prefix: `${path}{${block.slug}}.`,
        })
        out.push(...nested)
      }
      continue
    }
    const kind = valueKind(field)
    if (!kind) {
      continue
    }
    const hasMany = 'hasMany' in field && Boolean(field.hasMany)
    out.push({
      field,
      inArray,
      inBlock,
      part: {
        kind,
        localized,
        localizedPath,
        maxText: maxTextFor(1),
        multiValued: inArray || hasMany,
        path,
      },
    })
    if (kind === 'polymorphic') {
      // `rel.value` (the id, whatever collection) is what lookups of polymorphic references ask
      // for (locked documents, joins); the evaluator re-checks `relationTo`.
      out.push({
        derived: true,
        field,
        inBlock,
        part: {
          kind: 'relationship',
          localized,
          localizedPath: `${localizedPath}.value`,
          maxText: maxTextFor(1),
          ...(textIDTarget(walk.payload, field) ? { candidatesOnly: true } : {}),
          multiValued: inArray || hasMany,
          path: `${path}.value`,
        },
      })
    }
  }
  return out
}

/**
 * Whether a polymorphic relationship reaches a collection with text ids: its `.value` keys then
 * hold text ids that a number never matches (a query of 9 reads the key of '9').
 */
function textIDTarget(payload: Payload, field: FlattenedField): boolean {
  const targets = 'relationTo' in field && Array.isArray(field.relationTo) ? field.relationTo : []
  return targets.some(
    (slug) => !payload.collections[slug] || getCollectionIDType(payload, slug) !== 'number',
  )
}

/**
 * The unique fields of block types, one part per block type and field in it (`{hero}.code`,
 * whatever blocks field, array or group reaches the block): db-sqlite keeps a block type's rows
 * in one table, so its unique constraint spans every blocks field that uses the type. Paths
 * stored in another kind, or localized where the others are not, get a part of their own.
 */
function sharedByBlockType(parts: IndexPart[]): IndexPart[] {
  const byType = new Map<string, IndexPart[]>()
  for (const part of parts) {
    const inType = part.path.slice(part.path.lastIndexOf('{'))
    const key = JSON.stringify([inType, part.kind, part.localized])
    byType.set(key, [...(byType.get(key) ?? []), part])
  }
  return [...byType.values()].map(([first, ...others]) =>
    others.length === 0
      ? first
      : { ...first, alsoAt: others.map(({ localizedPath, path }) => ({ localizedPath, path })) },
  )
}

function walkNamespace(adapter: DynamoDBAdapter, namespace: Namespace): Walked[] {
  return walkFields(namespace.fields, {
    inArray: false,
    inBlock: false,
    localization: Boolean(adapter.payload.config.localization),
    localizedPrefix: '',
    parentLocalized: false,
    payload: adapter.payload,
    prefix: '',
  })
}

/** The config's locale codes, sorted (what a localized index definition lists). */
function configLocales(adapter: DynamoDBAdapter): string[] | undefined {
  const localization = adapter.payload.config.localization
  return localization ? [...localization.localeCodes].sort() : undefined
}

/**
 * Whether db-sqlite keeps the field's values in its relationships table (a polymorphic or a
 * hasMany relationship), whose unique index is by id and path, and which it leaves without one
 * in arrays and blocks (a row's path names the row).
 */
function inRelationshipsTable({ field, part }: Walked): boolean {
  return (
    part.kind === 'polymorphic' ||
    (part.kind === 'relationship' && 'hasMany' in field && Boolean(field.hasMany))
  )
}

const isUnique = ({ field }: Walked): boolean => 'unique' in field && Boolean(field.unique)

/**
 * The unique relationships whose one value (a hasMany list) may not hold an id twice: those
 * outside arrays and blocks (db-sqlite's relationships table is unique by id and path there).
 */
export function uniqueWithinValue(adapter: DynamoDBAdapter, namespace: Namespace): Set<string> {
  // Asked on every write: walked once per namespace's fields (the config's, never changed).
  let paths = withinValueByFields.get(namespace.fields)
  if (!paths) {
    paths = new Set(
      walkNamespace(adapter, namespace)
        .filter(
          (walked) =>
            !walked.derived && !walked.inArray && inRelationshipsTable(walked) && isUnique(walked),
        )
        .map(({ part }) => part.path),
    )
    withinValueByFields.set(namespace.fields, paths)
  }
  return paths
}

const withinValueByFields = new WeakMap<FlattenedField[], Set<string>>()

/**
 * A global's unique fields in its arrays and blocks (and hasMany relationships), as unique
 * one-part definitions: a global is one document, so only a value it holds twice can clash, which
 * db-sqlite's unique index on the rows' table refuses (not for relationships in rows: see
 * `inRelationshipsTable`). Judged on its writes (write/repeatedValues.ts); its stored indexes
 * keep no markers.
 */
export function globalRowUniques(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): IndexDefinition[] {
  const locales = configLocales(adapter)
  const uniques = walkNamespace(adapter, namespace).filter(
    (walked) =>
      !walked.derived &&
      walked.part.multiValued &&
      !(walked.inArray && inRelationshipsTable(walked)) &&
      isUnique(walked),
  )
  return [
    ...uniques.filter(({ inBlock }) => !inBlock).map(({ part }) => part),
    ...sharedByBlockType(uniques.filter(({ inBlock }) => inBlock).map(({ part }) => part)),
  ].map((part) => ({
    name: part.path,
    parts: [part],
    unique: true,
    ...(locales && part.localized ? { locales } : {}),
  }))
}

/** Paths of a version that every save changes: an entry of each would move on every save. */
const VERSION_TIMESTAMPS = new Set(['version.createdAt', 'version.updatedAt'])

/**
 * For a collection's versions: each single-field index on a field of the document (`version.*`)
 * again, holding the latest versions only, so that a list of drafts filtered on the field reads
 * its matches alone and counts them from value counters (design.md, "Lists of drafts").
 */
function latestOnly(definitions: IndexDefinition[]): IndexDefinition[] {
  return definitions
    .filter(
      ({ parts }) =>
        parts.length === 1 &&
        parts[0].path.startsWith('version.') &&
        !VERSION_TIMESTAMPS.has(parts[0].path),
    )
    .map((definition) => ({
      ...definition,
      name: `${definition.name}@latest`,
      onlyLatest: true as const,
    }))
}

/**
 * The indexes of a namespace: timestamps, fields marked `index` or `unique` (auth's email and
 * username are `unique`), relationship and upload fields (what joins and reverse lookups query),
 * the config's compound `indexes`, for versions the fields drafts are found by, and the fields
 * Payload's own queries filter on (see internalIndexes.ts).
 */
export function indexDefinitions(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
): IndexDefinition[] {
  const walked = walkNamespace(adapter, namespace)
  const locales = configLocales(adapter)
  const definitions: IndexDefinition[] = []
  const seen = new Set<string>()
  const add = (parts: IndexPart[], unique: boolean) => {
    const name = parts.map((part) => part.path).join('+')
    if (seen.has(name)) {
      const existing = definitions.find((definition) => definition.name === name)
      if (existing && unique) {
        existing.unique = true
      }
      return
    }
    seen.add(name)
    definitions.push({
      name,
      parts,
      unique,
      ...(locales && parts.some((part) => part.localized) ? { locales } : {}),
    })
  }

  const blockUniques: IndexPart[] = []
  for (const { derived, field, inBlock, part } of walked) {
    if (inBlock) {
      // Queries name a block's field without its type (`layout.code`): only uniqueness here.
      if (namespace.kind === 'collection' && !derived && 'unique' in field && field.unique) {
        blockUniques.push(part)
      }
      continue
    }
    const isTimestamp = part.path === 'createdAt' || part.path === 'updatedAt'
    const flagged = ('index' in field && field.index) || ('unique' in field && field.unique)
    const isRelation = part.kind === 'relationship'
    const versionKey =
      namespace.kind === 'versions' && (part.path === 'parent' || part.path === 'latest')
    const globalVersionKey = namespace.kind === 'globalVersions' && part.path === 'latest'
    if (isTimestamp || flagged || isRelation || versionKey || globalVersionKey) {
      const unique =
        namespace.kind === 'collection' && !derived && Boolean('unique' in field && field.unique)
      add([part], unique)
    }
  }

  for (const part of sharedByBlockType(blockUniques)) {
    add([part], true)
  }

  // What Payload's own queries need (its collections, the fields it adds to auth collections).
  for (const path of internalIndexPaths(adapter, namespace)) {
    const found = walked.find((entry) => entry.part.path === path && !entry.derived)
    if (found) {
      add([found.part], false)
    }
  }

  if (namespace.kind === 'versions' && namespace.fields.some((field) => field.name === 'latest')) {
    definitions.push(...latestOnly(definitions))
  }

  if (namespace.kind === 'collection') {
    for (const compound of compoundIndexes(getCollectionConfig(adapter, namespace.slug))) {
      const parts = compound.paths
        .map((path) => walked.find((entry) => entry.part.path === path)?.part)
        .filter((part): part is IndexPart => Boolean(part))
        .map((part) => ({ ...part, maxText: maxTextFor(compound.paths.length) }))
      if (parts.length === compound.paths.length && parts.length > 0) {
        add(parts, compound.unique)
      }
    }
  }
  return definitions
}

/**
 * A collection's compound indexes: its `indexes`, and for an upload collection with
 * `filenameCompoundIndex` the unique index over those fields that Payload then expects in place of
 * `filename`'s own `unique` (db-sqlite and db-mongodb build it too).
 */
function compoundIndexes(
  collection: SanitizedCollectionConfig,
): { paths: string[]; unique: boolean }[] {
  const compounds = (collection.sanitizedIndexes ?? []).map((compound) => ({
    paths: compound.fields.map(({ path }) => path),
    unique: Boolean(compound.unique),
  }))
  const filenameCompound =
    typeof collection.upload === 'object' ? collection.upload.filenameCompoundIndex : undefined
  if (Array.isArray(filenameCompound) && filenameCompound.length > 0) {
    compounds.push({ paths: filenameCompound, unique: true })
  }
  return compounds
}
