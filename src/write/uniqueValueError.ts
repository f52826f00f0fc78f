import type { PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { IndexDefinition, IndexPath } from '../indexes/definitionTypes.js'
import type { DocumentChange } from '../transactions/session.js'

import { uniqueErrorPath } from '../indexes/definitions.js'
import { valuesAtPath } from '../utilities/valuesAtPath.js'

/** Whether the change gives the part's `at` path other values, in any of the index's locales. */
function changedAt(change: DocumentChange, definition: IndexDefinition, at: IndexPath): boolean {
  const localized = definition.parts[0]?.localized && definition.locales
  const paths = localized
    ? localized.map((locale) => at.localizedPath.replace(/<locale>/g, locale))
    : [at.path]
  const values = (doc: typeof change.after) =>
    JSON.stringify(
      paths.map((path) =>
        doc ? valuesAtPath(doc, path, false).filter((v) => v !== undefined) : [],
      ),
    )
  return values(change.after) !== values(change.before)
}

/**
 * Payload's error for values a unique index refuses, one field error per index, shaped as
 * db-sqlite's: the collection or global, the updated document's id (a single update's), and the
 * message in the request's language.
 */
export function uniqueValueError(
  changes: DocumentChange[],
  definitions: IndexDefinition[],
  req?: Partial<PayloadRequest>,
): ValidationError {
  const namespace = changes[0]?.namespace
  const updated = changes.length === 1 ? changes[0].before : null
  return new ValidationError(
    {
      id: updated ? (updated.id as number | string) : undefined,
      collection: namespace?.kind === 'collection' ? namespace.slug : undefined,
      errors: definitions.map((definition) => ({
        message: req?.t ? req.t('error:valueMustBeUnique') : 'Value must be unique',
        path: uniqueErrorPath(definition, (at) =>
          changes.some((change) => changedAt(change, definition, at)),
        ),
      })),
      global: namespace?.kind === 'global' ? namespace.slug : undefined,
      req,
    },
    req?.t,
  )
}
