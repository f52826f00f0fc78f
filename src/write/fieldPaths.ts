import type { FlattenedField } from 'payload'

import { ValidationError } from 'payload'

import type { Namespace } from '../namespaces.js'

/**
 * A path in a document as stored (`title.en`, `version.n`, `rows.0.n`) as Payload names the field
 * in its errors (`title`, `n`, `rows.0.n`): without the locale under a localized field, and
 * without the `version` group of a version document.
 */
export function payloadFieldPath(namespace: Namespace, storedPath: string): string {
  const segments = storedPath.split('.')
  let fields: FlattenedField[] | undefined = namespace.fields
  if (
    (namespace.kind === 'versions' || namespace.kind === 'globalVersions') &&
    segments[0] === 'version'
  ) {
    const version = fields.find((field) => 'name' in field && field.name === 'version')
    fields = version && 'flattenedFields' in version ? version.flattenedFields : undefined
    segments.shift()
  }
  const out: string[] = []
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]
    out.push(segment)
    const field: FlattenedField | undefined = fields?.find(
      (each) => 'name' in each && each.name === segment,
    )
    const inner = field && 'flattenedFields' in field ? field.flattenedFields : undefined
    const next = segments[i + 1]
    if (
      field &&
      'localized' in field &&
      field.localized &&
      next !== undefined &&
      !/^\d+$/.test(next) &&
      !inner?.some((each) => 'name' in each && each.name === next)
    ) {
      i++ // the locale
    }
    if (field?.type === 'array' && /^\d+$/.test(segments[i + 1] ?? '')) {
      out.push(segments[++i])
    }
    fields = field?.type === 'blocks' ? undefined : inner
  }
  return out.join('.')
}

/** The refusal with its paths as Payload names the fields (see `payloadFieldPath`). */
export function withFieldPaths(namespace: Namespace, error: ValidationError): ValidationError {
  return new ValidationError({
    collection: error.data.collection,
    errors: error.data.errors.map((each) => ({
      ...each,
      path: payloadFieldPath(namespace, each.path),
    })),
    global: error.data.global,
    // Payload keeps the id it was given beside the errors (its type leaves it out).
    id: (error.data as { id?: number | string }).id,
  })
}
