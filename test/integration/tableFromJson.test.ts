/**
 * The table from infrastructure code: `payload-db-dynamodb table --format json` (run as a
 * process) creates the table on DynamoDB Local, and Payload runs on it with `createTable: false`.
 * (DynamoDB Local does not enforce IAM: the policy is checked in test/unit/infrastructure.test.ts.)
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'

import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type UpdateContinuousBackupsCommandInput,
  UpdateTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { buildConfig, getPayload, type Payload } from 'payload'

import { dynamodbAdapter } from '../../src/index.js'
import { ADAPTER_IAM_ACTIONS, type IAMPolicyDocument } from '../../src/infrastructure/index.js'
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../support/dynamodbLocal.mjs'

const tableName = `iac-${randomUUID()}`

type Printed = {
  continuousBackups: UpdateContinuousBackupsCommandInput
  notes: string[]
  policy: IAMPolicyDocument
  table: CreateTableCommandInput
}

/** The command line as a user runs it (the TypeScript entry through tsx: no build needed). */
function printTable(args: string[]): Printed {
  const stdout = execFileSync(
    join(process.cwd(), 'node_modules', '.bin', 'tsx'),
    [join(process.cwd(), 'src', 'bin', 'cli.ts'), 'table', ...args],
    { encoding: 'utf8' },
  )
  return JSON.parse(stdout) as Printed
}

describe('a table created from `payload-db-dynamodb table --format json`', () => {
  const endpoint = process.env.DYNAMODB_ENDPOINT!
  const clientConfig = { credentials: LOCAL_CREDENTIALS, endpoint, region: LOCAL_REGION }
  const client = new DynamoDBClient(clientConfig)
  let payload: Payload | undefined

  afterAll(async () => {
    await payload?.destroy()
    try {
      await client.send(
        new UpdateTableCommand({ DeletionProtectionEnabled: false, TableName: tableName }),
      )
      await client.send(new DeleteTableCommand({ TableName: tableName }))
    } finally {
      client.destroy()
    }
  })

  it('serves Payload with createTable: false', async () => {
    const printed = printTable(['--format', 'json', '--table-name', tableName])
    expect(printed.table.TableName).toBe(tableName)
    expect(printed.policy.Statement[0].Action).toEqual([...ADAPTER_IAM_ACTIONS])
    expect(printed.policy.Statement[0].Resource).toBe(`arn:aws:dynamodb:*:*:table/${tableName}`)

    await client.send(new CreateTableCommand(printed.table))
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName })
    const described = (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table!
    expect(described.KeySchema).toEqual(printed.table.KeySchema)
    expect(described.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST')
    expect(described.DeletionProtectionEnabled).toBe(true)
    // Point-in-time recovery is a second request (UpdateContinuousBackups), which DynamoDB Local
    // does not implement ("An unknown operation was requested"): only its input is checked.
    expect(printed.continuousBackups).toEqual({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TableName: tableName,
    })

    const config = await buildConfig({
      collections: [{ slug: 'notes', fields: [{ name: 'title', type: 'text', index: true }] }],
      db: dynamodbAdapter({
        clientConfig,
        createTable: false,
        logFallbackQueries: false,
        tableName,
      }),
      secret: 'table-from-json-secret',
      telemetry: false,
      typescript: { autoGenerate: false },
    })
    payload = await getPayload({ config, key: `table-from-json-${randomUUID()}` })

    const created = await payload.create({ collection: 'notes', data: { title: 'from IaC' } })
    const found = await payload.find({
      collection: 'notes',
      where: { title: { equals: 'from IaC' } },
    })
    expect(found.docs.map((doc) => doc.id)).toEqual([created.id])
    expect(found.totalDocs).toBe(1)
  })

  it('prints provisioned capacity that DynamoDB accepts as well', async () => {
    const name = `${tableName}-provisioned`
    const printed = printTable([
      '--format=json',
      `--table-name=${name}`,
      '--billing=provisioned',
      '--rcu=3',
      '--wcu=2',
      '--deletion-protection=false',
    ])
    await client.send(new CreateTableCommand(printed.table))
    try {
      await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: name })
      const described = (await client.send(new DescribeTableCommand({ TableName: name }))).Table!
      expect(described.ProvisionedThroughput).toMatchObject({
        ReadCapacityUnits: 3,
        WriteCapacityUnits: 2,
      })
      expect(described.DeletionProtectionEnabled ?? false).toBe(false)
    } finally {
      await client.send(new DeleteTableCommand({ TableName: name }))
    }
  })
})
