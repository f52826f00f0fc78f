import type { PayloadRequest } from 'payload'

import { ValidationError } from 'payload'

import type { IndexDefinition, IndexPart } from '../indexes/definitionTypes.js'
import type { Doc } from '../query/types.js'
import type { DocumentChange } from '../transactions/session.js'
import type { DynamoDBAdapter } from '../types.js'

import { localesFor, partValues, storedPath, storedValues } from '../indexes/entries.js'
import { valuesAtPath } from '../utilities/valuesAtPath.js'
import { maintainedIndexes } from '../indexes/indexRecord.js'
import { legacySignature } from '../indexes/indexSignature.js'
import { fitsIndexKind } from '../indexes/storedKinds.js'
import { indexesOf, localeCodes } from '../indexes/registry.js'

/**
 * Refuses a write that gives an indexed field a value its own config's type does not hold
 * (`'abc'` in a number field through `payload.db.create`, a hook's text in a checkbox): the index
 * could not key it, and its pages and totals would leave the document out. Payload's validation
 * stops most such values first; db-sqlite stores null for some and throws for others.
 *
 * A value the document already held there is kept (saved before the field's type changed: the
 * index stays unbuilt until those documents are saved in the new type, docs/migrations.md), and
 * so is one that misfits only an index another process's config recorded (a rolling deploy).
 */
export function refuseNewMisfits(
  adapter: DynamoDBAdapter,
  changes: DocumentChange[],
  req?: Partial<PayloadRequest>,
): void {
  const locales = localeCodes(adapter)
  // Per namespace, once per write (a bulk update brings many changes of one namespace).
  const declaredBy = new Map<string, Set<string>>()
  for (const change of changes) {
    const { after, before, namespace } = change
    if (!after) {
      continue
    }
    const declared =
      declaredBy.get(namespace.pk) ?? new Set(indexesOf(adapter, namespace).map(legacySignature))
    declaredBy.set(namespace.pk, declared)
    for (const definition of maintainedIndexes(adapter, namespace)) {
      if (!declared.has(legacySignature(definition))) {
        continue
      }
      const misfit = firstMisfit(definition, locales, after)
      // NaN and Infinity have their own error when stored (storage/toStorable.ts).
      const unstorable = typeof misfit?.value === 'number' && !Number.isFinite(misfit.value)
      if (misfit && !unstorable && !(before && firstMisfit(definition, locales, before))) {
        throw new ValidationError({
          collection: namespace.kind === 'collection' ? namespace.slug : undefined,
          errors: [{ message: misfitMessage(misfit.part, misfit.value), path: misfit.path }],
          global: namespace.kind === 'global' ? namespace.slug : undefined,
          req,
        })
      }
    }
  }
}

type Misfit = { part: IndexPart; path: string; value: unknown }

function firstMisfit(definition: IndexDefinition, locales: string[], doc: Doc): Misfit | undefined {
  for (const locale of localesFor(definition, locales)) {
    for (const part of definition.parts) {
      if (partValues(doc, part, locale) === undefined) {
        // Named on the path that holds it (a block type's field may be in several blocks fields).
        for (const at of [part, ...(part.alsoAt ?? [])]) {
          const values = valuesAtPath(doc, storedPath(part, at, locale), false)
          const found = values.findIndex((each) => !fitsIndexKind(part, each))
          if (found >= 0) {
            return { part, path: at.path.replace(/\{[^}]*\}/g, ''), value: values[found] }
          }
        }
        const values = storedValues(doc, part, locale)
        return { part, path: part.path.replace(/\{[^}]*\}/g, ''), value: values[0] }
      }
    }
  }
  return undefined
}

const KIND_NAMES: Record<string, string> = {
  boolean: 'true or false',
  date: 'a date',
  number: 'a finite number',
  polymorphic: 'a { relationTo, value } reference',
  relationship: 'an id',
}

function misfitMessage(part: IndexPart, value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value)
  const expected = part.multiValued
    ? 'a list of values of its type'
    : (KIND_NAMES[part.kind] ?? 'text')
  return `This indexed field must hold ${expected}, or nothing: ${shown.length > 60 ? `${shown.slice(0, 60)}...` : shown} cannot be stored.`
}
