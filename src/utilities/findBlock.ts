import type { FlattenedBlock, FlattenedField, Payload } from 'payload'

/** The block a blocks field's row uses, inline or by reference (`blockReferences`). */
export function findBlock(
  field: FlattenedField,
  blockType: unknown,
  payload: Payload,
): FlattenedBlock | undefined {
  if (field.type !== 'blocks' || typeof blockType !== 'string') {
    return undefined
  }
  const candidates: (FlattenedBlock | string)[] = field.blockReferences ?? field.blocks ?? []
  for (const candidate of candidates) {
    const block = typeof candidate === 'string' ? payload.blocks?.[candidate] : candidate
    if (block?.slug === blockType) {
      return block
    }
  }
  return undefined
}
