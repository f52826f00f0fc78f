import type { Upsert } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { create } from './create.js'
import { updateOne } from './updateOne.js'

/** Updates the first document matching `where`, or creates one from `data` when none matches. */
export const upsert: Upsert = async function upsert(this: DynamoDBAdapter, args) {
  const { collection, data, joins, locale, req, returning, select, where } = args
  const updated = await updateOne.call(this, {
    collection,
    data,
    joins,
    locale,
    req,
    returning: true,
    select,
    where,
  })
  if (updated) {
    return returning === false ? null : updated
  }
  return create.call(this, { collection, data, locale, req, returning, select })
}
