/**
 * A tour of payload-db-dynamodb: starts DynamoDB Local in memory (Java 17+; or uses the engine at
 * DYNAMODB_ENDPOINT), boots Payload headless with the adapter, and runs create / find / count /
 * update / delete through Payload's Local API, printing what DynamoDB was asked for at each step.
 *
 *   npm run demo
 *   DYNAMODB_ENDPOINT=http://localhost:8000 npm run demo   # against `docker compose up -d`
 */
import type { CollectionConfig, Payload, Where } from 'payload'

import {
  DeleteTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb'
import { buildConfig, getPayload } from 'payload'

import type { RunningDynamoDB } from '../test/support/dynamodbLocal.mjs'
import type { DynamoDBAdapter } from '../src/index.js'

import { dynamodbAdapter } from '../src/index.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'

const TABLE_NAME = 'payload-demo'

// Headless Payload: no dependency check, no Next.js HMR socket. Set before Payload reads them.
process.env.PAYLOAD_DISABLE_DEPENDENCY_CHECKER ??= 'true'
process.env.DISABLE_PAYLOAD_HMR ??= 'true'
// The AWS SDK's notice about future Node.js versions is not news for a demo.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const Authors: CollectionConfig = {
  slug: 'authors',
  admin: { useAsTitle: 'name' },
  fields: [
    { name: 'name', type: 'text', required: true },
    { name: 'bio', type: 'textarea' },
  ],
}

const Posts: CollectionConfig = {
  slug: 'posts',
  admin: { useAsTitle: 'title' },
  fields: [
    { name: 'title', type: 'text', required: true },
    { name: 'body', type: 'textarea' },
    // Not indexed: a query on `views` alone reads the whole collection (see the explain step).
    { name: 'views', type: 'number', defaultValue: 0 },
    // `index: true` keeps index entries beside the documents, so queries on these fields read a
    // key range instead of the collection. Relationship fields and timestamps are always indexed.
    { name: 'publishedAt', type: 'date', index: true },
    {
      name: 'status',
      type: 'select',
      defaultValue: 'draft',
      index: true,
      options: ['draft', 'published', 'archived'],
    },
    { name: 'author', type: 'relationship', relationTo: 'authors' },
  ],
}

type Stats = ReturnType<DynamoDBAdapter['stats']['snapshot']>

function formatStats(stats: Stats): string {
  const commands = Object.entries(stats.requestsByCommand)
    .map(([command, count]) => `${command} ${count}`)
    .join(', ')
  return `${stats.requests} request(s), ${round(stats.rcu)} RCU, ${round(stats.wcu)} WCU${commands ? ` (${commands})` : ''}`
}

function round(value: number): number {
  return Math.round(value * 100) / 100
}

/** Runs one step of the tour and prints the DynamoDB requests it made. */
async function step<T>(payload: Payload, title: string, run: () => Promise<T>): Promise<T> {
  const stats = (payload.db as unknown as DynamoDBAdapter).stats
  const before = stats.snapshot()
  console.log(`\n== ${title}`)
  const result = await run()
  const after = stats.snapshot()
  const requestsByCommand: Record<string, number> = {}
  for (const [command, count] of Object.entries(after.requestsByCommand)) {
    const delta = count - (before.requestsByCommand[command] ?? 0)
    if (delta > 0) {
      requestsByCommand[command] = delta
    }
  }
  console.log(
    `   DynamoDB: ${formatStats({
      itemsRead: after.itemsRead - before.itemsRead,
      rcu: after.rcu - before.rcu,
      requests: after.requests - before.requests,
      requestsByCommand,
      wcu: after.wcu - before.wcu,
    })}`,
  )
  return result
}

function show(doc: Record<string, unknown>): string {
  const author = doc.author
  const authorName =
    author && typeof author === 'object' ? (author as { name?: string }).name : author
  const date = typeof doc.publishedAt === 'string' ? doc.publishedAt.slice(0, 10) : '-'
  return `${String(doc.id)}  ${String(doc.title).padEnd(28)} status=${String(doc.status).padEnd(9)} views=${String(doc.views).padStart(4)}  published=${date}  author=${String(authorName ?? '-')}`
}

/** An external engine keeps its data: start the tour from an empty demo table. */
async function dropDemoTable(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({
    credentials: LOCAL_CREDENTIALS,
    endpoint,
    region: LOCAL_REGION,
  })
  try {
    await client.send(new DeleteTableCommand({ TableName: TABLE_NAME }))
    console.log(`Deleted the previous "${TABLE_NAME}" table at ${endpoint}.`)
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) {
      throw error
    }
  } finally {
    client.destroy()
  }
}

const publishedWithViews: Where = {
  and: [{ status: { equals: 'published' } }, { views: { greater_than_equal: 50 } }],
}

async function tour(payload: Payload): Promise<void> {
  const [ada, grace] = await step(payload, 'Create two authors', async () => {
    const created = [
      await payload.create({ collection: 'authors', data: { name: 'Ada Lovelace' } }),
      await payload.create({ collection: 'authors', data: { name: 'Grace Hopper' } }),
    ]
    for (const author of created) {
      console.log(`   created author ${String(author.id)}  ${String(author.name)}`)
    }
    return created
  })

  const byGraceIn2024: Where = {
    author: { equals: grace.id },
    publishedAt: { greater_than_equal: '2024-01-01T00:00:00.000Z' },
  }

  const seed = [
    {
      title: 'Notes on the Engine',
      views: 120,
      status: 'published',
      day: '2024-03-01',
      author: ada,
    },
    {
      title: 'Compilers for Everyone',
      views: 340,
      status: 'published',
      day: '2024-05-12',
      author: grace,
    },
    { title: 'Debugging a Moth', views: 75, status: 'published', day: '2024-06-30', author: grace },
    { title: 'Poetical Science', views: 12, status: 'draft', day: '2024-07-04', author: ada },
    {
      title: 'COBOL Retrospective',
      views: 210,
      status: 'archived',
      day: '2023-11-20',
      author: grace,
    },
  ] as const

  const posts = await step(payload, `Create ${seed.length} posts`, async () => {
    const created = []
    for (const post of seed) {
      const doc = await payload.create({
        collection: 'posts',
        data: {
          author: post.author.id,
          body: `${post.title}: a demo post.`,
          publishedAt: new Date(`${post.day}T09:00:00.000Z`).toISOString(),
          status: post.status,
          title: post.title,
          views: post.views,
        },
      })
      console.log(`   created ${show(doc)}`)
      created.push(doc)
    }
    return created
  })

  await step(
    payload,
    "Find: status = 'published' and views >= 50, sorted by views descending, limit 2, author populated",
    async () => {
      const result = await payload.find({
        collection: 'posts',
        depth: 1,
        limit: 2,
        sort: '-views',
        where: publishedWithViews,
      })
      for (const doc of result.docs) {
        console.log(`   ${show(doc)}`)
      }
      console.log(
        `   page ${String(result.page)} of ${result.totalPages}, ${result.totalDocs} matching, hasNextPage=${result.hasNextPage}`,
      )
    },
  )

  await step(payload, 'Find: published in 2024 by Grace Hopper, sorted by date', async () => {
    const result = await payload.find({
      collection: 'posts',
      depth: 0,
      sort: 'publishedAt',
      where: byGraceIn2024,
    })
    for (const doc of result.docs) {
      console.log(`   ${show(doc)}`)
    }
  })

  await step(payload, 'Explain: how each query is answered (payload.db.explain)', async () => {
    const db = payload.db as unknown as DynamoDBAdapter
    const queries: [string, Parameters<DynamoDBAdapter['explain']>[0]][] = [
      ['first find', { collection: 'posts', limit: 2, sort: '-views', where: publishedWithViews }],
      ['second find', { collection: 'posts', sort: 'publishedAt', where: byGraceIn2024 }],
      ['views > 100', { collection: 'posts', where: { views: { greater_than: 100 } } }],
    ]
    for (const [label, query] of queries) {
      const explanation = await db.explain(query)
      console.log(`   ${label}: ${explanation.description}`)
      console.log(
        `      ${explanation.requests} request(s), ${round(explanation.rcu)} RCU, ${explanation.returned} returned`,
      )
    }
    console.log(
      '   (With five posts, reading the whole collection is cheap; its cost grows with the collection, an index read grows with the matches.)',
    )
  })

  await step(payload, "Count: status = 'published'", async () => {
    const { totalDocs } = await payload.count({
      collection: 'posts',
      where: { status: { equals: 'published' } },
    })
    console.log(`   ${totalDocs} published post(s)`)
  })

  const draft = posts[3]
  await step(payload, `Update "${String(draft.title)}": publish it`, async () => {
    const updated = await payload.update({
      collection: 'posts',
      data: { status: 'published', views: Number(draft.views) + 1 },
      id: draft.id,
    })
    console.log(`   updated ${show(updated)}`)
  })

  const archived = posts[4]
  await step(payload, `Delete "${String(archived.title)}"`, async () => {
    const deleted = await payload.delete({ collection: 'posts', id: archived.id })
    console.log(`   deleted ${String(deleted.id)}`)
    const remaining = await payload.count({ collection: 'posts' })
    console.log(`   ${remaining.totalDocs} post(s) left`)
  })
}

async function main(): Promise<void> {
  let dynamo: RunningDynamoDB | undefined
  let payload: Payload | undefined
  try {
    const external = Boolean(process.env.DYNAMODB_ENDPOINT)
    console.log(external ? 'Using DynamoDB at DYNAMODB_ENDPOINT.' : 'Starting DynamoDB Local...')
    dynamo = await startDynamoDBLocal()
    console.log(`DynamoDB endpoint: ${dynamo.endpoint}`)
    if (external) {
      await dropDemoTable(dynamo.endpoint)
    }

    const config = buildConfig({
      collections: [Authors, Posts],
      db: dynamodbAdapter({
        clientConfig: {
          credentials: LOCAL_CREDENTIALS,
          endpoint: dynamo.endpoint,
          region: LOCAL_REGION,
        },
        tableName: TABLE_NAME,
      }),
      // Only errors from Payload itself; the demo prints its own story.
      logger: { options: { level: 'error' } },
      secret: 'payload-db-dynamodb-demo-secret',
      telemetry: false,
      typescript: { autoGenerate: false },
    })

    const started = Date.now()
    payload = await getPayload({ config })
    console.log(
      `Payload ${payload.db.name} adapter ready in ${Date.now() - started} ms (table "${TABLE_NAME}").`,
    )

    await tour(payload)

    const db = payload.db as unknown as DynamoDBAdapter
    console.log(`\n== Adapter request statistics (payload.db.stats.snapshot())`)
    console.log(`   ${formatStats(db.stats.snapshot())}`)
  } finally {
    if (payload) {
      await payload.destroy()
    }
    if (dynamo) {
      await dynamo.stop()
    }
  }
}

main().then(
  () => {
    console.log('\nDone.')
    process.exit(0)
  },
  (error: unknown) => {
    console.error('\nThe demo failed:')
    console.error(error)
    process.exit(1)
  },
)
