import type { FlattenedBlock, FlattenedField, Payload } from 'payload'

const resolved = new WeakMap<FlattenedField[], FlattenedField[]>()

/**
 * The fields with each blocks field's `blockReferences` (slugs of the config's `blocks`) resolved
 * into its `blocks`, so that code reading a row's fields (the `[]` of never-written lists,
 * `select`) sees referenced blocks as it sees inline ones. The same array when nothing refers to
 * a block; `blockReferences` itself is kept. Cached per fields array: a block that refers to itself
 * is resolved one level deep.
 */
export function withReferencedBlocks(
  fields: FlattenedField[],
  payload: Pick<Payload, 'blocks'>,
): FlattenedField[] {
  const known = resolved.get(fields)
  if (known) {
    return known
  }
  resolved.set(fields, fields)
  let changed = false
  const out = fields.map((field) => {
    const each = resolveField(field, payload)
    changed ||= each !== field
    return each
  })
  const result = changed ? out : fields
  resolved.set(fields, result)
  return result
}

function resolveField(field: FlattenedField, payload: Pick<Payload, 'blocks'>): FlattenedField {
  if (field.type === 'blocks') {
    const candidates: (FlattenedBlock | string)[] = field.blockReferences ?? field.blocks
    const blocks = candidates.flatMap((candidate) => {
      const block = typeof candidate === 'string' ? payload.blocks?.[candidate] : candidate
      return block ? [withBlockFields(block, payload)] : []
    })
    const same =
      !field.blockReferences &&
      blocks.length === field.blocks.length &&
      blocks.every((block, index) => block === field.blocks[index])
    return same ? field : { ...field, blocks }
  }
  if (field.type === 'array' || field.type === 'group' || field.type === 'tab') {
    const nested = withReferencedBlocks(field.flattenedFields, payload)
    return nested === field.flattenedFields ? field : { ...field, flattenedFields: nested }
  }
  return field
}

function withBlockFields(block: FlattenedBlock, payload: Pick<Payload, 'blocks'>): FlattenedBlock {
  const nested = withReferencedBlocks(block.flattenedFields, payload)
  return nested === block.flattenedFields ? block : { ...block, flattenedFields: nested }
}
