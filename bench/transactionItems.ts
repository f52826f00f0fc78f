/**
 * What each kind of item in a create's transaction costs on DynamoDB Local. The mixed workload's
 * 220 creates run once through the Local API while a middleware keeps the body of every
 * `TransactWriteItems` the adapter sends; the 180 article creates (17 items each: the document,
 * 9 index entries, the slug's unique marker, 5 value counters, a counter shard) are then sent
 * again, straight to the engine, in several shapes, each on a new table of the same key schema:
 * as sent; without the value counters; without the value counters and index entries (the
 * document, its marker and the counter shard); the document and the counter shard alone; and
 * as sent with every condition removed. Five rounds, the shapes taking turns, so each meets the
 * engine about as warm as the others. Prints the median ms per transaction of each shape.
 *
 *   npm run bench:items
 */
import {
  type AttributeValue,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb'
import { randomUUID } from 'node:crypto'
import { buildConfig, getPayload } from 'payload'

import { dynamodbAdapter } from '../src/index.js'
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDBLocal,
} from '../test/support/dynamodbLocal.mjs'
import { median } from './measure.js'
import { createOperations, type Lane, workloadCollections } from './workloadOperations.js'

const ROUNDS = 5

type Shape = { name: string; reshape: (item: TransactWriteItem) => null | TransactWriteItem }

/** The item's key partition (`C#articles#I#views`, `C#articles#K#status`, ...). */
function partitionOf(item: TransactWriteItem): string {
  const key = item.Put?.Item ?? (item.Update ?? item.Delete ?? item.ConditionCheck)?.Key
  return key?.pk?.S ?? ''
}

const isValueCounter = (item: TransactWriteItem) => partitionOf(item).includes('#K#')
const isIndexEntry = (item: TransactWriteItem) => partitionOf(item).includes('#I#')
const isMarker = (item: TransactWriteItem) => partitionOf(item).includes('#U#')

/** The item without its condition, and without the names and values only the condition used. */
function unconditioned(item: TransactWriteItem): null | TransactWriteItem {
  if (item.ConditionCheck) {
    return null
  }
  const [kind, original] = Object.entries(item)[0] as [keyof TransactWriteItem, object]
  const body = structuredClone(original) as {
    ConditionExpression?: string
    ExpressionAttributeNames?: Record<string, string>
    ExpressionAttributeValues?: Record<string, AttributeValue>
    UpdateExpression?: string
  }
  delete body.ConditionExpression
  const used = body.UpdateExpression ?? ''
  for (const field of ['ExpressionAttributeNames', 'ExpressionAttributeValues'] as const) {
    const placeholders = body[field]
    if (!placeholders) {
      continue
    }
    for (const placeholder of Object.keys(placeholders)) {
      if (!used.includes(placeholder)) {
        delete placeholders[placeholder]
      }
    }
    if (Object.keys(placeholders).length === 0) {
      delete body[field]
    }
  }
  return { [kind]: body }
}

const shapes: Shape[] = [
  { name: 'as sent (17 items)', reshape: (item) => item },
  {
    name: 'without the 5 value counters (12)',
    reshape: (item) => (isValueCounter(item) ? null : item),
  },
  {
    name: 'the document, its marker and the counter shard (3)',
    reshape: (item) => (isValueCounter(item) || isIndexEntry(item) ? null : item),
  },
  {
    name: 'the document and the counter shard (2)',
    reshape: (item) => (isValueCounter(item) || isIndexEntry(item) || isMarker(item) ? null : item),
  },
  { name: 'as sent, no conditions (17)', reshape: unconditioned },
]

/** Keeps the body of every TransactWriteItems the client sends, as the engine receives it. */
function recordTransactions(client: DynamoDBClient): TransactWriteItem[][] {
  const sent: TransactWriteItem[][] = []
  client.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { body?: unknown } | undefined
      const body = request?.body
      const text =
        typeof body === 'string'
          ? body
          : body instanceof Uint8Array
            ? new TextDecoder().decode(body)
            : ''
      if (text.includes('"TransactItems"')) {
        sent.push((JSON.parse(text) as { TransactItems: TransactWriteItem[] }).TransactItems)
      }
      return next(args)
    },
    { name: 'recordTransactions', step: 'finalizeRequest' },
  )
  return sent
}

const engine = await startDynamoDBLocal()
const tableName = `transaction-items-${randomUUID()}`
const payload = await getPayload({
  config: await buildConfig({
    collections: workloadCollections(),
    db: dynamodbAdapter({
      clientConfig: {
        credentials: LOCAL_CREDENTIALS,
        endpoint: engine.endpoint,
        region: LOCAL_REGION,
      },
      logFallbackQueries: false,
      tableName,
    }),
    secret: 'transaction-items',
    telemetry: false,
    typescript: { autoGenerate: false },
  }),
  key: randomUUID(),
})
const client = (payload.db as unknown as { client: DynamoDBClient }).client
const sent = recordTransactions(client)
const lane: Lane = { authorIDs: [], payload, tagIDs: [] }
for (const operation of createOperations()) {
  await operation.run(lane)
}
// An article create's transaction; a request the SDK retried is recorded once.
const seen = new Set<string>()
const articleCreates = sent.filter((items) => {
  const first = JSON.stringify(items[0])
  const fresh = items.length === 17 && first.includes('C#articles') && !seen.has(first)
  seen.add(first)
  return fresh
})

const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
async function newTable(): Promise<string> {
  const name = `transaction-items-${randomUUID()}`
  await client.send(
    new CreateTableCommand({
      AttributeDefinitions: Table?.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: Table?.KeySchema,
      TableName: name,
    }),
  )
  return name
}

const medians = new Map<string, number[]>(shapes.map((shape) => [shape.name, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (const shape of shapes) {
    const table = await newTable()
    const times: number[] = []
    for (const items of articleCreates) {
      const reshaped = items.flatMap((item) => {
        const kept = shape.reshape(item)
        if (!kept) {
          return []
        }
        const [kind, body] = Object.entries(kept)[0] as [keyof TransactWriteItem, object]
        return [{ [kind]: { ...body, TableName: table } } as TransactWriteItem]
      })
      const started = performance.now()
      await client.send(new TransactWriteItemsCommand({ TransactItems: reshaped }))
      times.push(performance.now() - started)
    }
    medians.get(shape.name)?.push(median(times))
  }
}
await payload.destroy()
await engine.stop()

console.log(
  `${articleCreates.length} article creates' transactions, ${ROUNDS} rounds (median ms per transaction)\n`,
)
console.log(
  `| transaction | ${Array.from({ length: ROUNDS }, (_, i) => `round ${i + 1}`).join(' | ')} | median |`,
)
console.log(`|---|${'---:|'.repeat(ROUNDS + 1)}`)
for (const [name, values] of medians) {
  console.log(
    `| ${name} | ${values.map((value) => value.toFixed(2)).join(' | ')} | ${median(values).toFixed(2)} |`,
  )
}
process.exit(0)
