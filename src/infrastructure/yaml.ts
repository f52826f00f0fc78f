/**
 * A small YAML writer for the CloudFormation template (no dependency): block mappings and
 * sequences, strings quoted unless plainly safe, numbers, booleans, and CloudFormation's short
 * tags (`!Sub`, `!Ref`, `!GetAtt`) on strings.
 */

/** A string written with a YAML tag: `!Sub '...'`. */
export class Tagged {
  constructor(
    readonly tag: '!GetAtt' | '!Ref' | '!Sub',
    readonly value: string,
  ) {}
}

export type YAMLValue =
  boolean | number | string | Tagged | YAMLValue[] | { [key: string]: YAMLValue | undefined }

const PLAIN = /^[A-Za-z_][A-Za-z0-9_./:-]*$/
const RESERVED = /^(y|n|yes|no|true|false|on|off|null)$/i

function scalar(value: boolean | number | string | Tagged): string {
  if (value instanceof Tagged) {
    return `${value.tag} ${scalar(value.value)}`
  }
  if (typeof value !== 'string') {
    return String(value)
  }
  return PLAIN.test(value) && !RESERVED.test(value) && !value.includes(': ')
    ? value
    : `'${value.replace(/'/g, "''")}'`
}

function isScalar(value: YAMLValue): value is boolean | number | string | Tagged {
  return typeof value !== 'object' || value instanceof Tagged
}

function lines(value: YAMLValue, indent: string): string[] {
  if (isScalar(value)) {
    return [`${indent}${scalar(value)}`]
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return [`${indent}[]`]
    }
    return value.flatMap((item) => {
      if (isScalar(item)) {
        return [`${indent}- ${scalar(item)}`]
      }
      // The first line of a nested mapping/sequence goes after the dash.
      const nested = lines(item, `${indent}  `)
      return [`${indent}- ${nested[0].slice(indent.length + 2)}`, ...nested.slice(1)]
    })
  }
  const entries = Object.entries(value).filter(
    (entry): entry is [string, YAMLValue] => entry[1] !== undefined,
  )
  if (entries.length === 0) {
    return [`${indent}{}`]
  }
  return entries.flatMap(([key, item]) => {
    const name = `${indent}${scalar(key)}:`
    if (isScalar(item)) {
      return [`${name} ${scalar(item)}`]
    }
    if (Array.isArray(item) ? item.length === 0 : Object.keys(item).length === 0) {
      return [`${name} ${Array.isArray(item) ? '[]' : '{}'}`]
    }
    return [name, ...lines(item, `${indent}  `)]
  })
}

/** The value as a YAML document (ends with a newline). */
export function toYAML(value: YAMLValue): string {
  return `${lines(value, '').join('\n')}\n`
}
