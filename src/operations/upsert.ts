import type { Upsert } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { updateOne } from './updateOne.js'

/** Updates the first document matching `where`, or creates one from `data` when none matches. */
export const upsert: Upsert = async function upsert(this: DynamoDBAdapter, args) {
  return updateOne.call(this, { ...args, options: { upsert: true } })
}
