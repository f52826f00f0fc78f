import { createHash, randomUUID } from 'node:crypto'
import { APIError } from 'payload'

import type { Namespace } from '../namespaces.js'
import type { DynamoDBAdapter } from '../types.js'

import { coerceID } from '../namespaces.js'
import { generateID } from './generateID.js'

/**
 * The id of a new document: the custom id field's value, a `customID` from Payload, a client id
 * when `allowIDOnCreate` is on, or a new one: `generated` when given, else ObjectId-style by
 * default, UUID when configured.
 */
export function newDocumentID(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  data: Record<string, unknown>,
  customID?: number | string,
  generated?: string,
): number | string {
  const supplied = suppliedID(adapter, namespace, data, customID)
  if (supplied !== undefined) {
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
  return generated ?? (adapter.generatedIDType === 'uuid' ? randomUUID() : generateID())
}

/**
 * The id the caller chose for a new document (the custom id field's value, Payload's `customID`,
 * a client id under `allowIDOnCreate`), if any: unlike a generated one, it may be taken.
 */
export function suppliedID(
  adapter: DynamoDBAdapter,
  namespace: Namespace,
  data: Record<string, unknown>,
  customID?: number | string,
): unknown {
  const supplied = namespace.customIDType
    ? data.id
    : (customID ?? (adapter.allowIDOnCreate ? data.id : undefined))
  return supplied === null || supplied === '' ? undefined : supplied
}

/**
 * An id of the configured shape that depends only on `seed` (a SHA-256 digest): 24 hex
 * characters, or a UUID of version 8 (RFC 9562's custom layout). Unlike a generated id it does
 * not sort by creation time.
 */
export function derivedDocumentID(adapter: DynamoDBAdapter, seed: string): string {
  const digest = createHash('sha256').update(seed).digest()
  if (adapter.generatedIDType !== 'uuid') {
    return digest.subarray(0, 12).toString('hex')
  }
  const bytes = Buffer.from(digest.subarray(0, 16))
  bytes[6] = (bytes[6] & 0x0f) | 0x80
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
