import { randomUUID } from 'node:crypto'
import { APIError } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { coerceID } from '../namespaces.js'
import { generateID } from './generateID.js'

/**
 * The id of a new document: the custom id field's value, a `customID` from Payload, a client id
 * when `allowIDOnCreate` is on, or a new one (ObjectId-style by default, UUID when configured).
 */
export function newDocumentID(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  data: Record<string, unknown>,
  customID?: number | string,
): number | string {
  const supplied = namespace.customIDType
    ? data.id
    : (customID ?? (adapter.allowIDOnCreate ? data.id : undefined))
  if (supplied !== undefined && supplied !== null && supplied !== '') {
    if (typeof supplied !== 'string' && typeof supplied !== 'number') {
      throw new APIError(
        `Invalid id ${JSON.stringify(supplied)}: ids must be strings or numbers.`,
        400,
      )
    }
    return coerceID(supplied, namespace)
  }
  if (namespace.customIDType) {
    throw new APIError(`Collection "${namespace.slug}" has a custom id field: provide an id.`, 400)
  }
  return adapter.generatedIDType === 'uuid' ? randomUUID() : generateID()
}
