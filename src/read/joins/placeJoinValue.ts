import type { FlattenedField } from 'payload'

import { fieldShouldBeLocalized } from 'payload/shared'

import { isPlainObject } from './fieldPaths.js'

export type JoinValue = {
  docs: unknown[]
  hasNextPage: boolean
  totalDocs?: number
}

function child(container: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = container[key]
  if (isPlainObject(existing)) {
    return existing
  }
  const created: Record<string, unknown> = {}
  container[key] = created
  return created
}

/**
 * Writes a join's value into `doc` at `joinPath` (through groups and named tabs). With `locale`,
 * the value is stored the way Payload stores localized data: under the locale key of the first
 * localized field on the path (a localized group, or the join field itself).
 */
export function placeJoinValue(
  doc: Record<string, unknown>,
  fields: FlattenedField[],
  joinPath: string,
  value: JoinValue,
  locale?: string,
): void {
  const segments = joinPath.split('.')
  let container = doc
  let levelFields: FlattenedField[] | undefined = fields
  let parentIsLocalized = false
  segments.forEach((segment, index) => {
    const field = levelFields?.find(
      (candidate) => 'name' in candidate && candidate.name === segment,
    )
    const localizedHere =
      locale !== undefined &&
      field !== undefined &&
      fieldShouldBeLocalized({ field, parentIsLocalized })
    if (index === segments.length - 1) {
      if (localizedHere) {
        child(container, segment)[locale] = value
      } else {
        container[segment] = value
      }
      return
    }
    container = child(container, segment)
    if (localizedHere) {
      container = child(container, locale)
    }
    parentIsLocalized =
      parentIsLocalized || Boolean(field && 'localized' in field && field.localized)
    levelFields = field && 'flattenedFields' in field ? field.flattenedFields : undefined
  })
}
