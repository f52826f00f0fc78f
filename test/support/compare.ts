import type { PaginatedDocs, Payload, Where } from 'payload'

/** Resolves a stable name (`authors:1`) to this database's id. */
export type Ref = (name: string) => number | string

export function refFor(names: Map<string, string>): Ref {
  const byName = new Map([...names].map(([key, name]) => [name, key.slice(key.indexOf('|') + 1)]))
  return (name) => {
    const id = byName.get(name)
    if (id === undefined) {
      throw new Error(`unknown fixture ${name}`)
    }
    return /^\d+$/.test(id) ? Number(id) : id
  }
}

const DROP = new Set([
  'createdAt',
  'updatedAt',
  'id',
  'url',
  'thumbnailURL',
  'filename',
  'filesize',
  'mimeType',
  'width',
  'height',
  'focalX',
  'focalY',
])

/** Fields of the fixture that hold document ids, and the collection they point at. */
const RELATION_KEYS: Record<string, string> = {
  author: 'authors',
  cover: 'media',
  gallery: 'media',
  tags: 'tags',
}

/**
 * Replaces database ids with fixture names and drops what legitimately differs between
 * databases (ids, timestamps, file names), so two answers can be compared with toEqual.
 * A `null` field and a missing one are the same answer (db-sqlite returns every column, null
 * when empty; db-mongodb leaves empty fields out; Payload accepts both).
 */
export function normalizeDoc(
  value: unknown,
  names: Map<string, string>,
  key = '',
  relationTo?: string,
): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => normalizeDoc(item, names, key, relationTo))
  }
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(record)) {
      if ((DROP.has(k) && key !== 'data') || v === null || v === undefined) {
        continue
      }
      const target =
        k === 'value' && typeof record.relationTo === 'string'
          ? record.relationTo
          : RELATION_KEYS[k]
      out[k] = normalizeDoc(
        v,
        names,
        key === 'data' ? 'data' : k,
        key === 'data' ? undefined : target,
      )
    }
    return out
  }
  if (relationTo && names.has(`${relationTo}|${String(value)}`)) {
    return names.get(`${relationTo}|${String(value)}`)
  }
  return value
}

export function normalizePage(result: PaginatedDocs, names: Map<string, string>) {
  const { docs, ...meta } = result
  return {
    docs: docs.map((doc) => names.get(`posts|${String(doc.id)}`) ?? `?${String(doc.id)}`),
    ...meta,
  }
}

/** Runs an operation on the reference; `undefined` when the reference itself cannot answer. */
export async function onReference<T>(work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work()
  } catch {
    return undefined
  }
}

export type Pair = { dynamo: Payload; sqlite: Payload }

/**
 * Each condition's page of `posts` (titles, in title order, at depth 0) and its `count()`, as one
 * line per condition: what the overflow, split-write and many-values tests compare across
 * databases and between processes.
 */
export async function titlesAndCounts(
  booted: { payload: Payload },
  wheres: Where[],
): Promise<string[]> {
  const out: string[] = []
  for (const where of wheres) {
    const found = await booted.payload.find({ collection: 'posts', depth: 0, sort: 'title', where })
    const counted = await booted.payload.count({ collection: 'posts', where })
    out.push(`${found.docs.map((doc) => doc.title).join(',')}:${counted.totalDocs}`)
  }
  return out
}
