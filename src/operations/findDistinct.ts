import type { FindDistinct } from 'payload'

import { getFieldByPath } from 'payload'

import type { DynamoDBAdapter } from '../types.js'

import { findPage } from '../execute/findPage.js'
import { paginate } from '../execute/paginate.js'
import { collectionNamespace } from '../namespaces.js'
import { defaultLocaleOf, valuesAtPath } from '../utilities/valuesAtPath.js'

/** The distinct values of one field over the matching documents, ordered by `sort` (or the field). */
export const findDistinct: FindDistinct = async function findDistinct(this: DynamoDBAdapter, args) {
  const namespace = collectionNamespace(this, args.collection)
  const { docs } = await findPage(this, namespace, {
    limit: 0,
    locale: args.locale,
    pagination: false,
    sort: args.sort ?? args.field,
    where: args.where,
  })
  const resolved = getFieldByPath({ fields: namespace.fields, path: args.field })
  const locale =
    args.locale && args.locale !== 'all' && args.locale !== '*'
      ? args.locale
      : defaultLocaleOf(this.payload.config)
  const path = resolved?.pathHasLocalized
    ? resolved.localizedPath.replace('<locale>', locale ?? '')
    : args.field

  const seen = new Set<string>()
  const values: Record<string, unknown>[] = []
  for (const doc of docs) {
    for (const value of valuesAtPath(doc, path)) {
      const signature = JSON.stringify(value ?? null)
      if (!seen.has(signature)) {
        seen.add(signature)
        values.push({ [args.field]: value ?? null })
      }
    }
  }
  const { docs: pageValues, ...meta } = paginate(values, {
    limit: args.limit,
    page: args.page,
    pagination: Boolean(args.limit),
  })
  return { ...meta, page: meta.page ?? 1, values: pageValues }
}
