/**
 * Requests per Payload Local API operation on the mixed workload's collections, beside the
 * fewest DynamoDB requests that operation needs (with the table's layout: one item per document,
 * index entries, a counter).
 */
import type { Payload } from 'payload'

import type { DynamoDBAdapter } from '../src/index.js'

type Step = { minimum: string; name: string; run: () => Promise<unknown> }

function commandDelta(after: Record<string, number>, before: Record<string, number>): string {
  return Object.entries(after)
    .map(([command, count]) => [command, count - (before[command] ?? 0)] as const)
    .filter(([, count]) => count > 0)
    .map(([command, count]) => `${command.replace(/Command$/, '')} ${count}`)
    .join(', ')
}

export async function profileOperations(payload: Payload): Promise<string> {
  const stats = (payload.db as unknown as DynamoDBAdapter).stats
  const authors = await payload.find({ collection: 'authors', depth: 0, limit: 2 })
  const tags = await payload.find({ collection: 'tags', depth: 0, limit: 2 })
  let id: number | string = ''
  const steps: Step[] = [
    {
      minimum:
        '1 (TransactWriteItems: document, index entries, unique marker, counter; the references checked by ConditionCheck in it)',
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
        '2 (GetItem of the document Payload reads first, TransactWriteItems conditioned on its revision)',
      name: 'update by id (views)',
      run: () => payload.update({ id, collection: 'articles', data: { views: 54_321 } }),
    },
    {
      minimum: '1 (GetItem)',
      name: 'findByID, depth 0',
      run: () => payload.findByID({ id, collection: 'articles', depth: 0 }),
    },
    {
      minimum: '2 (GetItem, then one BatchGetItem for the 3 related documents)',
      name: 'findByID, depth 1',
      run: () => payload.findByID({ id, collection: 'articles', depth: 1 }),
    },
    {
      minimum:
        '3 in 2 round trips (Query of 10 index entries with the counter GetItem in parallel, BatchGetItem of the 10 documents)',
      name: 'list page (limit 10, -createdAt, depth 0)',
      run: () => payload.find({ collection: 'articles', depth: 0, limit: 10, sort: '-createdAt' }),
    },
    {
      minimum:
        "3 in 2 round trips (Query of the value's entries in order + counter GetItem, BatchGetItem)",
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
      minimum: '1 (GetItem of the counter)',
      name: 'count()',
      run: () => payload.count({ collection: 'articles' }),
    },
    {
      minimum: "1 (GetItem of the value's counter)",
      name: "count(status equals 'published')",
      run: () =>
        payload.count({ collection: 'articles', where: { status: { equals: 'published' } } }),
    },
    {
      minimum: '2 (GetItem of the document Payload reads first, TransactWriteItems)',
      name: 'delete by id',
      run: () => payload.delete({ id, collection: 'articles' }),
    },
  ]
  const lines = [
    '| Local API operation | requests | by command | RCU | WCU | fewest DynamoDB needs |',
    '|---|---:|---|---:|---:|---|',
  ]
  for (const step of steps) {
    const before = stats.snapshot()
    await step.run()
    const after = stats.snapshot()
    lines.push(
      `| ${step.name} | ${after.requests - before.requests} | ${commandDelta(after.requestsByCommand, before.requestsByCommand)} | ${(after.rcu - before.rcu).toFixed(1)} | ${(after.wcu - before.wcu).toFixed(1)} | ${step.minimum} |`,
    )
  }
  return lines.join('\n')
}
