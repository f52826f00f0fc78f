/**
 * A document larger than one item is read in two steps: its head item (by key, in a partition
 * read, or among an index plan's candidates), then its part items. A writer that replaces the
 * document between the two leaves parts of another write: the reader must notice (each part
 * carries the `zid` of the write that encoded it) and read again, answering one whole version,
 * never a mix, a gzip error or a document that no longer exists.
 */
import type { Config, DatabaseAdapterObj, Payload } from 'payload'

import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb'
import { randomBytes, randomUUID } from 'node:crypto'

import type { DynamoDBAdapter, DynamoDBAdapterArgs } from '../../src/index.js'

import { bootOnTable as bootShared } from '../support/bootPayload.js'

function config(db: DatabaseAdapterObj): Config {
  return {
    collections: [
      {
        slug: 'large',
        fields: [
          { name: 'title', type: 'text', index: true },
          { name: 'label', type: 'text' },
          // Not indexed: a condition on it is answered by reading the partition.
          { name: 'group', type: 'text' },
          { name: 'rows', type: 'array', fields: [{ name: 'text', type: 'text' }] },
        ],
      },
    ],
    db,
    secret: 'split-reads-test-secret',
    telemetry: false,
  }
}

const tableName = `split-reads-${randomUUID()}`

const bootOnTable = (options: Partial<DynamoDBAdapterArgs> = {}) =>
  bootShared(config, tableName, options)

const adapterOf = (payload: Payload) => payload.db as unknown as DynamoDBAdapter

/** About `bytes` of rows gzip cannot shrink: over 350 KB gzipped, so split into parts. */
const incompressibleRows = (bytes: number) =>
  Array.from({ length: Math.ceil(bytes / 30_000) }, () => ({
    text: randomBytes(22_500).toString('base64'),
  }))

type Version = { label: string; rows: { text: string }[] }

/** What a read answered, comparable with a written version (row ids differ). */
const versionOf = (doc: { label?: null | string; rows?: null | { text?: null | string }[] }) =>
  `${doc.label ?? ''}:${(doc.rows ?? []).map((row) => row.text?.slice(0, 16)).join(',')}`

const isPartKey = (key: Record<string, unknown>) => String(key.sk).startsWith('P#')

/** A part item of the document `id` (`P#<its sort key>#0001`, ...). */
const isPartOf = (id: number | string) => (key: Record<string, unknown>) =>
  isPartKey(key) && String(key.sk).includes(`${String(id)}#`)

/**
 * Runs `write` once, just before the reader's first request for part items of document `id`, so
 * the reader holds a head item of the version before the write. Returns what the reader sent.
 */
function interleave(reader: Payload, id: number | string, write: () => Promise<unknown>) {
  const docClient = adapterOf(reader).docClient
  const original = docClient.send.bind(docClient)
  const sent: string[] = []
  let pending: (() => Promise<unknown>) | undefined = write
  docClient.send = (async (command: unknown, ...rest: unknown[]) => {
    if (command instanceof BatchGetCommand) {
      const keys = Object.values(command.input.RequestItems ?? {}).flatMap(
        (request) => (request.Keys ?? []) as Record<string, unknown>[],
      )
      sent.push(keys.some(isPartKey) ? 'parts' : 'documents')
      if (keys.some(isPartOf(id)) && pending) {
        const run = pending
        pending = undefined
        await run()
      }
    } else if (command instanceof GetCommand) {
      sent.push(isPartKey(command.input.Key ?? {}) ? 'part' : 'head')
    } else {
      sent.push((command as object).constructor.name.replace('Command', ''))
    }
    return (original as (...args: unknown[]) => Promise<unknown>)(command, ...rest)
  }) as typeof docClient.send
  return {
    restore: () => {
      docClient.send = original
    },
    sent,
    wrote: () => pending === undefined,
  }
}

describe('documents larger than one item, read while a writer replaces them', () => {
  let writer: Payload
  let reader: Payload
  let heldReader: Payload

  beforeAll(async () => {
    writer = await bootOnTable()
    // The first reader reads through keys, partitions and indexes; the second holds the
    // collection in memory (its loads read the partition).
    reader = await bootOnTable({ readCache: false })
    heldReader = await bootOnTable()
  })

  afterAll(async () => {
    for (const payload of [writer, reader, heldReader]) {
      await payload?.destroy()
    }
  })

  /** The test's document (its `title` and `group` never change) read three ways. */
  type Read = (
    payload: Payload,
    doc: { group: string; id: number | string; title: string },
  ) => Promise<unknown>
  const reads: [string, Read][] = [
    ['by id', (payload, { id }) => payload.findByID({ id, collection: 'large', depth: 0 })],
    [
      'through an index',
      async (payload, { title }) =>
        (await payload.find({ collection: 'large', depth: 0, where: { title: { equals: title } } }))
          .docs[0],
    ],
    [
      'in a partition read',
      async (payload, { group }) =>
        (await payload.find({ collection: 'large', depth: 0, where: { group: { equals: group } } }))
          .docs[0],
    ],
  ]

  const changes: [string, () => Version][] = [
    [
      'replaced by another large version',
      () => ({ label: 'second', rows: incompressibleRows(900_000) }),
    ],
    ['made small', () => ({ label: 'small', rows: [{ text: 'short' }] })],
  ]

  for (const [readName, read] of reads) {
    for (const [changeName, next] of changes) {
      it(`${readName}: a document ${changeName} between its head and its parts is read again, whole`, async () => {
        const fixed = { group: randomUUID(), title: `t-${randomUUID()}` }
        const first: Version = { label: 'first', rows: incompressibleRows(900_000) }
        const created = await writer.create({ collection: 'large', data: { ...first, ...fixed } })
        const second = next()
        const hook = interleave(reader, created.id, () =>
          writer.update({ id: created.id, collection: 'large', data: second }),
        )
        let answer: unknown
        try {
          answer = await read(reader, { ...fixed, id: created.id })
        } finally {
          hook.restore()
        }
        // The write ran between the reader's head and its parts, and the reader then read the
        // head again: the answer is the whole second version.
        expect(hook.wrote()).toBe(true)
        expect(hook.sent.lastIndexOf('head')).toBeGreaterThan(hook.sent.indexOf('parts'))
        expect(versionOf(answer as Version)).toBe(versionOf(second))
      })
    }
  }

  it('answers whole versions while a writer keeps replacing a split document', async () => {
    const versions: Version[] = [
      { label: 'a', rows: incompressibleRows(800_000) },
      { label: 'b', rows: incompressibleRows(1_100_000) },
      { label: 'c', rows: [{ text: 'small' }] },
    ]
    const known = new Set(versions.map(versionOf))
    const fixed = { group: randomUUID(), title: `loop-${randomUUID()}` }
    const created = await writer.create({ collection: 'large', data: { ...versions[0], ...fixed } })
    const doc = { ...fixed, id: created.id }
    await heldReader.count({ collection: 'large' })

    let writing = true
    const writes = (async () => {
      try {
        for (let i = 1; i <= 15; i++) {
          await writer.update({
            id: created.id,
            collection: 'large',
            data: versions[i % versions.length],
          })
        }
      } finally {
        writing = false
      }
    })()
    const seen: string[] = []
    const readers = [reader, heldReader].flatMap((payload) =>
      reads.map(async ([, read]) => {
        // At least a few reads each, then as long as the writer writes.
        for (let i = 0; writing || i < 3; i++) {
          const answer = (await read(payload, doc)) as undefined | Version
          seen.push(answer ? versionOf(answer) : 'nothing')
        }
      }),
    )
    await Promise.all([writes, ...readers])

    expect(seen.length).toBeGreaterThan(18)
    expect(seen.filter((version) => !known.has(version))).toEqual([])
    // The writer's last version is what everyone reads once it is done.
    const last = versionOf(versions[15 % versions.length]!)
    for (const payload of [reader, heldReader]) {
      for (const [, read] of reads) {
        expect(versionOf((await read(payload, doc)) as Version)).toBe(last)
      }
    }
    expect(await adapterOf(writer).verifyIndexes({ collection: 'large' })).toMatchObject({
      clean: true,
    })
  })
})
