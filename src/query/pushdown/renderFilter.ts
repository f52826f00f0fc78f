import type { Filter, PushedValue } from './types.js'

/** The document map of an item (see `documentItem`). */
const DOCUMENT_ATTRIBUTE = 'doc'

export type RenderedFilter = {
  expression: string
  names: Record<string, string>
  values: Record<string, PushedValue>
}

/**
 * The `FilterExpression` of a filter. Every attribute name and value is a placeholder (`#f0`,
 * `:f0`), so no field name or query value is ever read as expression syntax. Items without a
 * `doc` attribute (documents stored another way) always pass, for the evaluator to decide.
 */
export function renderFilter(filter: Filter): RenderedFilter {
  const names = new Map<string, string>()
  const values: Record<string, PushedValue> = {}
  const name = (segment: string) => {
    let placeholder = names.get(segment)
    if (!placeholder) {
      placeholder = `#f${names.size}`
      names.set(segment, placeholder)
    }
    return placeholder
  }
  const value = (entry: PushedValue) => {
    const placeholder = `:f${Object.keys(values).length}`
    values[placeholder] = entry
    return placeholder
  }
  const path = (segments: readonly string[]) =>
    [DOCUMENT_ATTRIBUTE, ...segments].map(name).join('.')
  const render = (node: Filter): string => {
    switch (node.kind) {
      case 'and':
      case 'or':
        return node.children
          .map((child) => `(${render(child)})`)
          .join(` ${node.kind.toUpperCase()} `)
      case 'not':
        return `NOT (${render(node.child)})`
      case 'compare':
        return `${path(node.path)} ${node.operator} ${value(node.value)}`
      case 'exists':
        return `attribute_exists(${path(node.path)})`
      case 'in':
        return `${path(node.path)} IN (${node.values.map(value).join(', ')})`
      case 'typeIs':
        return `attribute_type(${path(node.path)}, ${value(node.type)})`
    }
  }
  const expression = `(${render(filter)}) OR attribute_not_exists(${name(DOCUMENT_ATTRIBUTE)})`
  return {
    expression,
    names: Object.fromEntries([...names].map(([segment, placeholder]) => [placeholder, segment])),
    values,
  }
}
