import { convertToAttr, convertToNative } from '@aws-sdk/util-dynamodb'

import type { StoredDocument } from './documentStore.js'

import { MARSHALL_OPTIONS, UNMARSHALL_OPTIONS } from './createClients.js'
import { isEncoded } from './documentEncoding.js'
import { documentOf } from './revisions.js'

/**
 * What a strongly consistent read would give for a document item this process just wrote (the
 * item as sent, with its `rev`, `w` and `ix`): its document passed through the same marshalling
 * and unmarshalling the document client applies on the way to DynamoDB and back, so values come
 * back as a read returns them (`-0` as `0`, `undefined` dropped, numbers as numbers). Only the
 * order of map keys can differ (DynamoDB does not keep it; nothing may rely on it).
 *
 * Undefined for a document stored gzipped over several items: those are read again.
 */
export function storedImage(item: Record<string, unknown>): StoredDocument | undefined {
  if (isEncoded(item) || item.doc === null || typeof item.doc !== 'object') {
    return undefined
  }
  const doc = convertToNative(convertToAttr(item.doc, MARSHALL_OPTIONS), UNMARSHALL_OPTIONS)
  return documentOf<StoredDocument>({ ...item, doc })
}
