import type { PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { IndexDefinition } from '../indexes/definitionTypes.js'
import type { Namespace } from '../namespaces.js'

import { uniqueErrorPath } from '../indexes/definitions.js'

/** Payload's error for values a unique index refuses: one field error per index. */
export function uniqueValueError(
  namespace: Namespace | undefined,
  definitions: IndexDefinition[],
  req?: Partial<PayloadRequest>,
): ValidationError {
  return new ValidationError({
    collection: namespace?.kind === 'collection' ? namespace.slug : undefined,
    errors: definitions.map((definition) => ({
      message: 'Value must be unique',
      path: uniqueErrorPath(definition),
    })),
    req,
  })
}
