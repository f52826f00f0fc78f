/**
 * Requests per Payload Local API operation on the mixed workload's collections, beside the
 * fewest DynamoDB requests that operation needs (with the table's layout: one item per document,
 * index entries, a counter).
 */
import type { Payload } from 'payload'

import type { DynamoDBAdapter } from '../src/index.js'

/** One line per request: the command and the partitions/keys it touched (ids shortened). */
function describeRequest(command: string, input: Record<string, unknown>): string {
  const short = (value: unknown) => String(value).replace(/[0-9a-f]{24}/g, '<id>')
  const key = input.Key as Record<string, unknown> | undefined
  if (key) {
    return `${command} ${short(key.pk)} / ${short(key.sk)}`
  }
  const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined
  if (input.KeyConditionExpression && values) {
    return `${command} ${short(values[':pk'])}${input.Select === 'COUNT' ? ' (COUNT)' : ''}`
  }
  const requestItems = input.RequestItems as
    Record<string, { Keys?: { pk: unknown }[] }> | undefined
  if (requestItems) {
    const keys = Object.values(requestItems).flatMap((entry) => entry.Keys ?? [])
    return `${command} ${keys.length} keys in ${[...new Set(keys.map((entry) => short(entry.pk)))].join(', ')}`
  }
  const items = input.TransactItems as unknown[] | undefined
  return items ? `${command} ${items.length} items` : command
}

type Step = { minimum: string; name: string; run: () => Promise<unknown> }

function commandDelta(after: Record<string, number>, before: Record<string, number>): string {
  return Object.entries(after)
    .map(([command, count]) => [command, count - (before[command] ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .map(([command, count]) => `${command.replace(/Command$/, '')} ${count}`)
    .join(', ')
}

export async function profileOperations(payload: Payload): Promise<string> {
  const adapter = payload.db as unknown as DynamoDBAdapter
  const stats = adapter.stats
  let trace: string[] = []
  adapter.docClient.middlewareStack.add(
    (next, context) => async (args) => {
      trace.push(describeRequest(context.commandName ?? '?', args.input as Record<string, unknown>))
      return next(args)
    },
    { name: 'benchTrace', step: 'initialize' },
  )
  const authors = await payload.find({ collection: 'authors', depth: 0, limit: 2 })
  const tags = await payload.find({ collection: 'tags', depth: 0, limit: 2 })
  // A running app has read Payload's own small collections before: their first read loads them
  // into memory (the counter items, the partition, the counter items again), later ones do not.
  for (const collection of ['payload-locked-documents', 'payload-preferences'] as const) {
    await payload.count({ collection })
  }
  let id: number | string = ''
  const steps: Step[] = [
    {
      minimum:
        '1 under the read leases of `articles`, `authors` and `tags` (the references and the unique value checked in memory), then the TransactWriteItems (document, entries, unique marker, counters); else 2: one BatchGetItem of the related documents and the unique marker first',
      name: 'create (1 relationship, 2 hasMany)',
      run: async () => {
        const doc = await payload.create({
          collection: 'articles',
          data: {
            author: authors.docs[0].id,
            category: 'news',
            publishedAt: '2024-06-01T00:00:00.000Z',
            rating: 3,
            slug: 'profiled-article',
            status: 'published',
            tags: tags.docs.map((tag) => tag.id),
            title: 'Profiled',
            views: 12_345,
          },
        })
        id = doc.id
      },
    },
    {
      minimum:
        "1 under the read leases of `articles` and `payload-locked-documents` (the document and its lock read in memory): the TransactWriteItems conditioned on the revision held; else 3: Payload's GetItem of the document and its locked-documents Query first",
      name: 'update by id (views)',
      run: () => payload.update({ id, collection: 'articles', data: { views: 54_321 } }),
    },
    {
      minimum:
        "1: GetItem; 0 under the collection's read lease (its own writes above taken in from what they stored)",
      name: 'findByID, depth 0',
      run: () => payload.findByID({ id, collection: 'articles', depth: 0 }),
    },
    {
      minimum:
        '2: GetItem, then one BatchGetItem for the 3 related documents (both collections); 0 under the read leases',
      name: 'findByID, depth 1',
      run: () => payload.findByID({ id, collection: 'articles', depth: 1 }),
    },
    {
      minimum:
        "0 under a held collection's read lease; 1 on a held collection (its counter items); else 3 in 2 round trips: Query of 10 index entries and the counter GetItem in parallel, then BatchGetItem of the 10 documents",
      name: 'list page (limit 10, -createdAt, depth 0)',
      run: () => payload.find({ collection: 'articles', depth: 0, limit: 10, sort: '-createdAt' }),
    },
    {
      minimum:
        "0 under a held collection's read lease; 1 on a held collection (its counter items); else 3 in 2 round trips: Query of the value's first 10 entries and its counter GetItem in parallel, then BatchGetItem",
      name: "list page, status equals 'published'",
      run: () =>
        payload.find({
          collection: 'articles',
          depth: 0,
          limit: 10,
          where: { status: { equals: 'published' } },
        }),
    },
    {
      minimum: "1: the counter items; 0 under a held collection's read lease",
      name: 'count()',
      run: () => payload.count({ collection: 'articles' }),
    },
    {
      minimum:
        "0 under a held collection's read lease; 1: the collection's counter items when held, else the value's counter (item 2)",
      name: "count(status equals 'published')",
      run: () =>
        payload.count({ collection: 'articles', where: { status: { equals: 'published' } } }),
    },
    {
      minimum:
        "1 under the read leases of `articles`, `payload-locked-documents` and `payload-preferences`: the TransactWriteItems; else 4: Payload's GetItem of the document, its locked-documents and preferences Queries first",
      name: 'delete by id',
      run: () => payload.delete({ id, collection: 'articles' }),
    },
  ]
  const lines = [
    '| Local API operation | requests | by command | RCU | WCU | fewest DynamoDB needs |',
    '|---|---:|---|---:|---:|---|',
  ]
  const traces: string[] = []
  for (const step of steps) {
    trace = []
    const before = stats.snapshot()
    await step.run()
    const after = stats.snapshot()
    traces.push(`- ${step.name}: ${trace.map((entry) => `\`${entry}\``).join(' → ')}`)
    lines.push(
      `| ${step.name} | ${after.requests - before.requests} | ${commandDelta(after.requestsByCommand, before.requestsByCommand)} | ${(after.rcu - before.rcu).toFixed(1)} | ${(after.wcu - before.wcu).toFixed(1)} | ${step.minimum} |`,
    )
  }
  adapter.docClient.middlewareStack.remove('benchTrace')
  return `${lines.join('\n')}\n\nThe requests in order:\n\n${traces.join('\n')}`
}
